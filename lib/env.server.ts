/**
 * Configuration, parsed once per process with zod and shared by the web server,
 * the workers and the scripts. A missing or malformed variable stops start-up
 * with a message naming it (see `EnvError`). Nothing here reaches the browser
 * except what `publicEnv()` whitelists.
 */
import path from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65_535);
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.includes(new URL(value).protocol), {
      message: `must use ${protocols.map((p) => p.replace(":", "://")).join(" or ")}`,
    });
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** HTTP port of the Remix server. */
  PORT: port.default(3000),
  /** Postgres connection string. Unset: the embedded PGlite in PGLITE_DIR. */
  DATABASE_URL: url(["postgres:", "postgresql:"]).optional(),
  /** PGlite data directory, used when DATABASE_URL is unset. */
  PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  /** Redis for BullMQ. `npm run dev` starts a private redis-server when unset. */
  REDIS_URL: url(["redis:", "rediss:"]),
  /** Prefix of every BullMQ key, so several deployments or test runs share one Redis safely. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only")
    .default("crowdtrain"),
  /** JSON-RPC endpoint of the chain. `npm run dev` starts anvil when unset. */
  RPC_URL: url(["http:", "https:", "ws:", "wss:"]),
  /** The chain the platform runs on; RPC_URL must serve it. 31337 is anvil. */
  CHAIN_ID: z.coerce.number().int().positive().default(31_337),
  /** RPC URL handed to browsers (wallet reads). Defaults to RPC_URL. */
  PUBLIC_RPC_URL: url(["http:", "https:"]).optional(),
  /** Where deployment files (contract addresses per chain id) are written and read. */
  DEPLOYMENTS_DIR: z.string().min(1).default(".data/deployments"),
  /** Deploys contracts in dev. Defaults to anvil's first prefunded account on chain 31337 only. */
  DEPLOYER_PRIVATE_KEY: hex32.optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(4),
  /** How long a worker process waits for running jobs on SIGINT/SIGTERM before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Timeout of each dependency probe in /healthz. */
  HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
});

export type Env = z.infer<typeof envSchema>;

/** A configuration error that names every bad variable. */
export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}\n` +
        "Set the variables above (see the configuration table in README.md).",
    );
    this.name = "EnvError";
  }
}

/**
 * Parses `source` (default: process.env) with `schema` (default: the whole
 * configuration; a CLI may pass `envSchema.pick(...)`). Throws EnvError naming
 * each bad variable.
 */
export function parseEnv<S extends z.ZodType = typeof envSchema>(
  source: Record<string, string | undefined> = process.env,
  schema: S = envSchema as unknown as S,
): z.infer<S> {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "(root)"),
        message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
      })),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/** The process-wide configuration, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/**
 * For entry points: parse the configuration or print the problem and exit 1,
 * without a stack trace, so a newcomer sees just what to fix.
 */
export function envOrExit(): Env;
export function envOrExit<S extends z.ZodType>(schema: S): z.infer<S>;
export function envOrExit(schema?: z.ZodType): unknown {
  try {
    return schema ? parseEnv(process.env, schema) : env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** Absolute path of the deployment file for `chainId`. */
export function deploymentFile(config: Pick<Env, "DEPLOYMENTS_DIR">, chainId: number): string {
  return path.resolve(config.DEPLOYMENTS_DIR, `${chainId}.json`);
}

/** The only configuration the browser sees. */
export function publicEnv(config: Env) {
  return { chainId: config.CHAIN_ID, rpcUrl: config.PUBLIC_RPC_URL ?? config.RPC_URL };
}

export type PublicEnv = ReturnType<typeof publicEnv>;
