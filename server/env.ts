/**
 * Configuration, parsed once per process with zod and shared by the web server,
 * the workers and the scripts. A missing or malformed variable stops start-up
 * with a message naming it (see `EnvError`). Nothing here reaches the browser
 * except what `publicEnv()` whitelists.
 */
import path from "node:path";
import { type Address, getAddress, isAddress, zeroAddress } from "viem";
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

/** The platform fee of a new BountyBoard, in basis points, when PLATFORM_FEE_BPS is unset. */
export const DEFAULT_PLATFORM_FEE_BPS = 250;
/** The contract's MAX_FEE_BPS: the fee can never exceed 10%. */
export const MAX_PLATFORM_FEE_BPS = 1000;

/** Why `value` is not a usable account address, or undefined when it is one. */
function addressProblem(value: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return "must be a 0x-prefixed 20-byte hex address";
  // Mixed case carries an EIP-55 checksum; all-lower or all-upper case does not.
  const hex = value.slice(2);
  const mixedCase = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
  if (mixedCase && !isAddress(value, { strict: true })) return "has a bad EIP-55 checksum (check for a typo)";
  if (getAddress(value) === zeroAddress) return "must not be the zero address";
  return undefined;
}

/** One account address, normalised to its checksummed form. */
const address = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = addressProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((value) => getAddress(value) as Address);

/** Comma-separated account addresses (spaces allowed), checksummed, duplicates dropped. */
const addressList = z
  .string()
  .superRefine((value, ctx) => {
    const items = value.split(",").map((item) => item.trim());
    items.forEach((item, index) => {
      const problem = item === "" ? "is empty" : addressProblem(item);
      if (problem) {
        ctx.addIssue({
          code: "custom",
          message: `entry ${index + 1}${item === "" ? "" : ` (${item})`} ${problem}; expected comma-separated addresses`,
        });
      }
    });
  })
  .transform((value) => [...new Set(value.split(",").map((item) => getAddress(item.trim()) as Address))]);

/** `0xToken=price,...`: reference prices by checksummed token address. */
const tokenPrices = z.string().transform((value, ctx) => {
  const prices = new Map<Address, number>();
  for (const [index, item] of value.split(",").entries()) {
    const [token = "", price = ""] = item.split("=").map((part) => part.trim());
    const problem = addressProblem(token);
    const amount = Number(price);
    if (problem || price === "" || !Number.isFinite(amount) || amount < 0) {
      ctx.addIssue({
        code: "custom",
        message: `entry ${index + 1} ("${item.trim()}") ${problem ? `address ${problem}` : "needs a price >= 0"}; expected 0xToken=price,...`,
      });
      return z.NEVER;
    }
    prices.set(getAddress(token) as Address, amount);
  }
  return prices;
});

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** HTTP port of the Remix server. */
  PORT: port.default(3000),
  /**
   * Address the web server listens on. Unset: 127.0.0.1 in development and test (the development session
   * secret is public, so it is refused anywhere else), every interface (0.0.0.0) in production.
   */
  HOST: z.string().min(1).optional(),
  /** Express's `trust proxy` (e.g. `1`, `loopback`) when the web server sits behind a reverse proxy, so
   * rate limits count the client's address, not the proxy's. Unset: the socket's address. */
  TRUST_PROXY: z.string().min(1).optional(),
  /**
   * How long an anonymous visitor's public page (home, lists, a bounty, their JSON) is served from the web
   * process's shared cache before a re-render, in ms; it is then served stale for up to 30 s while one
   * render refreshes it, and dropped whenever the indexer writes. 0: no cache.
   */
  PAGE_CACHE_FRESH_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How long a client may take to send a whole request (uploads included), in ms; headers get 10 s. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
  /**
   * PostgreSQL connection string. Required by the web server and the workers; `npm run dev` and the CLIs start
   * the embedded PostgreSQL in DEV_DATA_DIR/postgres when it is unset (ADR 018).
   */
  DATABASE_URL: url(["postgres:", "postgresql:"]).optional(),
  /** Where `npm run dev` keeps its data: anvil's chain, Redis, the embedded PostgreSQL (`postgres/`), its lock. */
  DEV_DATA_DIR: z.string().min(1).default(".data"),
  /** Gone with PGlite: said out loud, so that a leftover setting is not silently ignored. */
  PGLITE_DIR: z
    .never({
      error:
        "is no longer used: the embedded database is PostgreSQL in DEV_DATA_DIR/postgres " +
        "(see docs/decisions/018-embedded-postgres.md); unset PGLITE_DIR",
    })
    .optional(),
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
  /**
   * A block explorer for transaction links (its `/tx/<hash>` pages, e.g. https://etherscan.io). Unset, they
   * go to the platform's own `/tx/<hash>` page, which shows what the index holds of the transaction.
   */
  PUBLIC_EXPLORER_URL: url(["http:", "https:"]).optional(),
  /** Where deployment files (contract addresses per chain id) are written and read. */
  DEPLOYMENTS_DIR: z.string().min(1).default(".data/deployments"),
  /** Deploys contracts in dev. Defaults to anvil's first prefunded account on chain 31337 only. */
  DEPLOYER_PRIVATE_KEY: hex32.optional(),
  /** BountyBoard's DEFAULT_ADMIN_ROLE holder (an EOA, a Safe or a timelock). Defaults to the deployer. */
  BOARD_ADMIN: address.optional(),
  /** Accounts granted DAO_ROLE (may create bounties), comma-separated. Default on anvil: account 1. */
  DAO_ADDRESSES: addressList.optional(),
  /** Accounts granted EVALUATOR_ROLE (publish scores), comma-separated. Default on anvil: account 2. */
  EVALUATOR_ADDRESSES: addressList.optional(),
  /** Receives BountyBoard's platform fees. Default on anvil: account 0; required on other chains. */
  FEE_RECIPIENT: address.optional(),
  /** Platform fee of new bounties in basis points (250 = 2.5%), at most the contract's 1000. */
  PLATFORM_FEE_BPS: z.coerce
    .number({ message: "must be a whole number of basis points" })
    .int("must be a whole number of basis points")
    .min(0, "must be at least 0")
    .max(MAX_PLATFORM_FEE_BPS, `must be at most ${MAX_PLATFORM_FEE_BPS} (10%), the contract's MAX_FEE_BPS`)
    .default(DEFAULT_PLATFORM_FEE_BPS),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(4),
  /** How long a worker process waits for running jobs on SIGINT/SIGTERM before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Blocks the indexer stays behind the head (0 on anvil; more on chains that reorganize). */
  INDEXER_CONFIRMATIONS: z.coerce.number().int().min(0).max(1_000).default(0),
  /** How often the indexer polls for new blocks at the head. */
  INDEXER_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1_000),
  /** Largest eth_getLogs block range the indexer asks for (it halves on refusal). */
  INDEXER_MAX_RANGE: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  /** Recent block hashes kept to detect reorgs; a deeper reorg stops the indexer. */
  INDEXER_REORG_WINDOW: z.coerce.number().int().min(1).max(100_000).default(128),
  /** Lease heartbeat deadline: a pool agent silent this long loses its lease and the job is leased again. */
  LEASE_TTL_MS: z.coerce.number().int().min(500).max(3_600_000).default(60_000),
  /** How often lost leases are looked for; a lost job is back within LEASE_TTL_MS + this. */
  LEASE_CHECK_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** Leases a training job gets (lost or failed) before it fails for good. */
  DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Priority points an hour of waiting buys (1: an hour of waiting is worth doubling the funding). */
  DISPATCH_AGING_PER_HOUR: z.coerce.number().min(0).max(1_000).default(1),
  /** How often waiting training jobs are re-prioritized for the time they waited. */
  DISPATCH_REPRIORITIZE_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * A training job that spent its attempts is offered again after this, doubling each round up to
   * DISPATCH_REOFFER_MAX_MS, until the bounty's delivery deadline (jobs/dispatch/reoffer.ts).
   */
  DISPATCH_REOFFER_MS: z.coerce.number().int().min(100).max(86_400_000).default(600_000),
  /** The longest wait between two rounds of a training job that keeps failing. */
  DISPATCH_REOFFER_MAX_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(7 * 86_400_000)
    .default(6 * 3_600_000),
  /**
   * Reference price of one whole token, for comparing funding across tokens:
   * `0xTokenAddress=1.00,0xOther=3200`. Unlisted tokens count 1 per whole token.
   */
  TOKEN_PRICES: tokenPrices.default(new Map()),
  /** Content-addressed artifact store (checkpoints; private eval sets live in a subdirectory never served). */
  ARTIFACTS_DIR: z.string().min(1).default(".data/artifacts"),
  /** Largest checkpoint a pool agent may upload, in bytes. */
  ARTIFACT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 40)
    .default(512 * 1024 * 1024),
  /** What one pool may upload in 24 hours, in bytes, counting uploads under way at their cap. */
  POOL_UPLOAD_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 50)
    .default(8 * 1024 * 1024 * 1024),
  /**
   * Unreferenced artifacts (a failed lease's checkpoint, a crashed upload) older than this are deleted. At
   * least a day: a file is written a moment before the row that refers to it.
   */
  ARTIFACT_RETENTION_DAYS: z.coerce.number().min(1).max(3_650).default(7),
  /** How often the worker collects unreferenced artifacts; 0 never (run `npm run artifacts -- gc` instead). */
  ARTIFACT_GC_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .refine((ms) => ms === 0 || ms >= 1_000, { message: "must be 0 (off) or at least 1000" })
    .default(6 * 3_600_000),
  /** The web app's public base URL: checkpoint URIs handed to the chain are built from it. */
  PUBLIC_URL: url(["http:", "https:"]).optional(),
  /** The evaluator's key: signs publishEvaluation and disqualifySubmission. Default on anvil: account 2. */
  EVALUATOR_PRIVATE_KEY: hex32.optional(),
  /**
   * How often the worker's keeper looks for bounties that are due and finalizes them (jobs/keeper/);
   * 0 turns it off (and removes its schedule from Redis).
   */
  KEEPER_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .refine((ms) => ms === 0 || ms >= 1_000, { message: "must be 0 (off) or at least 1000" })
    .default(30_000),
  /** The keeper's key: signs `finalize`. Default on anvil: account 2 (the evaluator's); unset elsewhere: off. */
  KEEPER_PRIVATE_KEY: hex32.optional(),
  /** Memory an evaluation's child process may allocate, in MiB. */
  EVAL_MEMORY_MB: z.coerce.number().int().min(128).max(1_048_576).default(2_048),
  /** Time limit of one evaluation run (model load, inference, scoring). */
  EVAL_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  /**
   * The evaluate job's lock, renewed every half of it while its worker lives. A killed worker's evaluation
   * is taken up again within about twice this (the lock expires, then the next stalled check finds it).
   */
  EVAL_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(20_000),
  /** Timeout of fetching a checkpoint over http(s). */
  EVAL_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Largest checkpoint evaluated, in bytes (and the cap on its initializers). */
  EVAL_MAX_MODEL_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(2 ** 40)
    .default(256 * 1024 * 1024),
  /** Eval-set rows per inference batch. */
  EVAL_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /**
   * How the evaluation child is sealed (jobs/evaluation/sandbox.ts): `bwrap` (bubblewrap namespaces, no
   * file system but its own; required in production) or `none` (a development machine without
   * bubblewrap: an empty directory and environment only).
   */
  EVAL_ISOLATION: z.enum(["bwrap", "none"]).default("bwrap"),
  /**
   * Secrets that sign the session cookie, comma-separated: the first signs, all verify, so a new secret
   * goes first and an old one is dropped once its sessions have expired. Unset: a fixed, public secret
   * in development and test; a random one per process in production (sessions end at each restart).
   */
  SESSION_SECRETS: z
    .string()
    .refine((value) => value.split(",").every((secret) => secret.trim().length >= 32), {
      message: "each secret must be at least 32 characters",
    })
    .optional(),
  /**
   * The dev wallet: the browser may act as anvil's prefunded test accounts (signing happens in anvil),
   * so the demo works without a browser extension. "auto" (default): on in development on chain 31337.
   * "1" also turns it on in a production build (the browser tests), but only on chain 31337.
   */
  DEV_WALLET: z.enum(["auto", "0", "1"], { message: 'must be "auto", "0" or "1"' }).default("auto"),
  /** Timeout of each dependency probe in /healthz. */
  HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** How often the worker hands new notifications to their accounts' webhooks (jobs/notifications/webhooks.ts). */
  WEBHOOK_SWEEP_MS: z.coerce.number().int().min(200).max(3_600_000).default(2_000),
  /** How long a webhook receiver has to answer one delivery. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * Whether webhooks may reach loopback and private addresses (and use http). "auto" (default): only in
   * development on chain 31337. Production webhooks are public https URLs: nobody can aim the worker at the platform's
   * own network.
   */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(["auto", "0", "1"], { message: 'must be "auto", "0" or "1"' })
    .default("auto"),
});

export type Env = z.infer<typeof envSchema>;

/** A configuration error that names every bad variable. */
export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n")}\n` +
        "Set the variables above (see the table in docs/configuration.md).",
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
        // zod 4 leaves `issue.input` out of issues, so "missing" is judged from the source itself.
        message:
          issue.code === "invalid_type" && cleaned[String(issue.path[0])] === undefined
            ? "is required"
            : issue.message,
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
  return exitOnEnvError(() => (schema ? parseEnv(process.env, schema) : env()));
}

/** Runs `check`; an EnvError it throws is printed (no stack trace) and exits the process with 1. */
export function exitOnEnvError<T>(check: () => T): T {
  try {
    return check();
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

/** How many of anvil's test accounts the dev wallet offers. */
export const DEV_WALLET_ACCOUNTS = 10;

/**
 * Whether the browser gets the dev wallet (anvil's test accounts). Never on a chain other than anvil's:
 * those keys are public, so a real chain must not see them.
 */
export function devWalletEnabled(config: Pick<Env, "DEV_WALLET" | "NODE_ENV" | "CHAIN_ID">): boolean {
  if (config.CHAIN_ID !== 31_337 || config.DEV_WALLET === "0") return false;
  return config.DEV_WALLET === "1" || config.NODE_ENV === "development";
}

/** What webhook URLs may be (jobs/notifications/webhooks.ts' WebhookPolicy). */
export function webhookPolicy(config: Pick<Env, "WEBHOOK_ALLOW_PRIVATE" | "NODE_ENV" | "CHAIN_ID">) {
  // "auto" opens up only in development on anvil's chain: a worker started without NODE_ENV on a real
  // chain stays closed.
  const allowPrivate =
    config.WEBHOOK_ALLOW_PRIVATE === "1" ||
    (config.WEBHOOK_ALLOW_PRIVATE === "auto" &&
      config.NODE_ENV === "development" &&
      config.CHAIN_ID === 31_337);
  return { allowPrivate, requireHttps: !allowPrivate };
}

/** The only configuration the browser sees. */
export function publicEnv(config: Env) {
  return {
    chainId: config.CHAIN_ID,
    // RPC_URL only in development: the web process refuses to start in production without PUBLIC_RPC_URL.
    rpcUrl: config.PUBLIC_RPC_URL ?? config.RPC_URL,
    devWallet: devWalletEnabled(config),
    explorerUrl: config.PUBLIC_EXPLORER_URL?.replace(/\/+$/, "") ?? null,
  };
}

export type PublicEnv = ReturnType<typeof publicEnv>;
