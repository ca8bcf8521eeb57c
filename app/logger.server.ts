import { createLogger, type Logger } from "../core/logger.js";
import { env } from "../server/env.js";

let logger: Logger | undefined;

/** The web process's pino logger (component "web"). */
export function webLogger(): Logger {
  logger ??= createLogger("web", env().LOG_LEVEL);
  return logger;
}
