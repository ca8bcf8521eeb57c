/**
 * The pool agent's command line: options (node:util parseArgs), each also
 * readable from the environment, validated with zod. A flag wins over its
 * variable. Secrets (token, key) are never echoed in error messages.
 */
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { z } from "zod";
import { splitCommandTemplate, TemplateError } from "./trainers/template.js";

export const TRAINER_KINDS = ["reference", "command"] as const;
export type TrainerKind = (typeof TRAINER_KINDS)[number];

export interface AgentConfig {
  apiUrl: string;
  token: string;
  trainerKey: Hex;
  rpcUrl: string;
  trainer: TrainerKind;
  command?: string;
  /** Undefined: a fresh temp dir. */
  workDir?: string;
  /** Undefined: ~/.crowdtrain-agent. Holds the salts of commits not yet revealed: keep it across restarts. */
  stateDir?: string;
  concurrency: number;
  once: boolean;
  seed?: number;
  logLevel: string;
}

/** Each option: its flag, its environment variable, whether it takes a value. */
const OPTIONS = {
  apiUrl: { flag: "api-url", env: "POOL_API_URL", type: "string" },
  token: { flag: "token", env: "POOL_TOKEN", type: "string" },
  trainerKey: { flag: "trainer-key", env: "TRAINER_PRIVATE_KEY", type: "string" },
  rpcUrl: { flag: "rpc-url", env: "RPC_URL", type: "string" },
  trainer: { flag: "trainer", env: "POOL_TRAINER", type: "string" },
  command: { flag: "command", env: "POOL_TRAINER_COMMAND", type: "string" },
  workDir: { flag: "work-dir", env: "POOL_WORK_DIR", type: "string" },
  stateDir: { flag: "state-dir", env: "POOL_STATE_DIR", type: "string" },
  concurrency: { flag: "concurrency", env: "POOL_CONCURRENCY", type: "string" },
  once: { flag: "once", env: "POOL_ONCE", type: "boolean" },
  seed: { flag: "seed", env: "POOL_SEED", type: "string" },
  logLevel: { flag: "log-level", env: "LOG_LEVEL", type: "string" },
} as const satisfies Record<keyof AgentConfig, { flag: string; env: string; type: "string" | "boolean" }>;

export const USAGE = `Usage: npm run pool-agent -- [options]     (or: crowdtrain-pool-agent [options])

Runs a Crowdtrain pool agent: leases training jobs for this pool, claims each
bounty on-chain from the trainer's key, trains, uploads the ONNX checkpoint,
commits to it on-chain, reveals it in a later block and reports back. Every option can also be given by the
environment variable in brackets; a flag wins over its variable.

  --api-url <url>        platform URL [POOL_API_URL] (default http://127.0.0.1:3000)
  --token <token>        the pool's API token [POOL_TOKEN] (required)
  --trainer-key <0x..>   the trainer's private key, 0x + 64 hex digits [TRAINER_PRIVATE_KEY] (required)
  --rpc-url <url>        JSON-RPC endpoint of the bounty's chain [RPC_URL] (required)
  --trainer <kind>       reference (built-in CPU trainer) or command [POOL_TRAINER] (default reference)
  --command "<template>" trainer command, e.g. "python train.py --spec {spec} --out {out}"
                         [POOL_TRAINER_COMMAND] (required with --trainer command);
                         placeholders {spec} {out} {workdir} {bounty}; no shell
  --work-dir <dir>       where per-lease work dirs go [POOL_WORK_DIR] (default: a new temp dir)
  --state-dir <dir>      durable state: the salts of checkpoint commits until their reveal is mined, so
                         a restart still reveals them [POOL_STATE_DIR] (default ~/.crowdtrain-agent)
  --concurrency <n>      leases run in parallel, 1-64 [POOL_CONCURRENCY] (default 1)
  --once                 exit after one lease: 0 if it completed, 1 if not [POOL_ONCE=1]
  --seed <n>             seed passed to the trainer [POOL_SEED]
  --log-level <level>    pino level: fatal error warn info debug trace silent [LOG_LEVEL] (default info)
  -h, --help             print this help

Logs are JSON lines on stdout. SIGINT/SIGTERM stop polling, stop running
trainers and report their leases as failed (retryable). Exit codes: 0 done,
1 a failed --once lease or a refused token, 2 bad options.
`;

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return ["http:", "https:"].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be an http(s) URL (${what})`);

const rpcUrl = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .refine((value) => {
    try {
      return ["http:", "https:", "ws:", "wss:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "must be an http(s) or ws(s) URL");

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?[0-9]+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const flagSchema = z.union([z.boolean(), z.string().trim().toLowerCase()]).transform((v, ctx) => {
  if (typeof v === "boolean") return v;
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["", "0", "false", "no", "off"].includes(v)) return false;
  ctx.addIssue({ code: "custom", message: "must be 1/true or 0/false" });
  return z.NEVER;
});

const configSchema = z.object({
  apiUrl: httpUrl("e.g. http://127.0.0.1:3000").default("http://127.0.0.1:3000"),
  token: z.string({ error: "is required" }).trim().min(1, "is required"),
  trainerKey: z
    .string({ error: "is required" })
    .trim()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits (a 32-byte private key)")
    .transform((v) => v as Hex),
  rpcUrl,
  trainer: z.enum(TRAINER_KINDS, { error: `must be ${TRAINER_KINDS.join(" or ")}` }).default("reference"),
  command: z.string().optional(),
  workDir: z.string().trim().min(1, "cannot be empty").optional(),
  stateDir: z.string().trim().min(1, "cannot be empty").optional(),
  concurrency: wholeNumber(1, 64).default(1),
  once: flagSchema.default(false),
  seed: wholeNumber(0, 2 ** 32 - 1).optional(),
  logLevel: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be fatal, error, warn, info, debug, trace or silent",
    })
    .default("info"),
});

export type ParseResult =
  | { kind: "config"; config: AgentConfig }
  | { kind: "help" }
  | { kind: "error"; message: string };

/** Parses argv (without node and the script) and the environment. Never throws. */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: o.type }])),
        help: { type: "boolean", short: "h" },
      },
    });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: "help" };

  const raw: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(OPTIONS)) {
    const fromFlag = values[option.flag];
    const fromEnv = env[option.env];
    // An empty variable counts as unset, as shells and .env files often leave them.
    raw[key] = fromFlag ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
  }
  const result = configSchema.safeParse(raw);
  const issues: { key: string; message: string }[] = result.success
    ? []
    : result.error.issues.map((issue) => ({ key: String(issue.path[0] ?? ""), message: issue.message }));
  // The command template, checked even when other options are wrong, so every mistake shows at once.
  if (raw.trainer === "command") {
    const command = typeof raw.command === "string" ? raw.command : "";
    if (!command.trim()) {
      issues.push({ key: "command", message: "is required with --trainer command" });
    } else {
      try {
        splitCommandTemplate(command);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        issues.push({ key: "command", message: error.message });
      }
    }
  }
  if (!result.success || issues.length > 0) {
    const lines = issues.map(({ key, message }) => {
      const option = OPTIONS[key as keyof typeof OPTIONS] as { flag: string; env: string } | undefined;
      return option ? `--${option.flag} (${option.env}) ${message}` : message;
    });
    return { kind: "error", message: lines.join("\n") };
  }
  const config = result.data;
  return {
    kind: "config",
    config: { ...config, command: config.trainer === "command" ? config.command : undefined },
  };
}
