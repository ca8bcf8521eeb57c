/**
 * Where a running `npm run dev` serves things, for CLIs run beside it (the
 * pools CLI, the pool agent): dev writes `<dev data dir>/services.json` once
 * everything is up and removes it on exit. Entries of a dead dev are ignored.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type DbTarget, dbTargetFromEnv } from "../../db/client.server.js";
import { envOrExit, envSchema } from "../../server/env.js";
import { isAlive } from "./processes.js";

export interface DevServices {
  pid: number;
  webUrl: string;
  rpcUrl: string;
  redisUrl: string;
  databaseUrl: string;
}

const file = (dataDir: string) => path.join(dataDir, "services.json");

export function writeDevServices(dataDir: string, services: DevServices): void {
  writeFileSync(file(dataDir), `${JSON.stringify(services, null, 2)}\n`);
}

export function removeDevServices(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}

/** The services of a dev run that is still alive, or undefined. */
export function readDevServices(dataDir = ".data"): DevServices | undefined {
  try {
    const services = JSON.parse(readFileSync(file(path.resolve(dataDir)), "utf8")) as DevServices;
    return isAlive(services.pid) ? services : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The database a CLI should open: DATABASE_URL; else, while `npm run dev` runs, the socket it serves
 * PGlite on (PGlite is single-process, its directory cannot be opened twice); else the PGlite directory.
 */
export function cliDbTarget(): DbTarget {
  const config = envOrExit(envSchema.pick({ DATABASE_URL: true, PGLITE_DIR: true }));
  const dev = config.DATABASE_URL ? undefined : readDevServices();
  return dev ? { kind: "postgres", url: dev.databaseUrl } : dbTargetFromEnv(config);
}
