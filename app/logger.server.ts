import { env } from "../lib/env.server.js";
import { createLogger, type Logger } from "../lib/logger.server.js";

let logger: Logger | undefined;

/** The web process's pino logger (component "web"). */
export function webLogger(): Logger {
  logger ??= createLogger("web", env().LOG_LEVEL);
  return logger;
}
