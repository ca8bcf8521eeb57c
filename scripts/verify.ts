/**
 * Re-check published scores from a fresh clone, against any deployment:
 *
 *   npm run verify -- --bounty N [--submission M] [--rpc-url URL] [--board 0x…]
 *                     [--platform URL] [--spec spec.json] [--eval-set set.bin --salt 0x…]
 *                     [--checkpoint m.onnx] [--from-block B]
 *
 * 1. Reads the chain: the bounty's spec hash and eval-set commitment, and each submission's
 *    checkpoint hash and URI (from its CheckpointRevealed event), verdict, score and report hash.
 * 2. Gets the spec (`--spec`, or the platform's GET /api/specs?hash=), and checks its hash.
 * 3. Gets the revealed eval set (`--eval-set` + `--salt`, or the platform's GET /eval-sets/:commitment,
 *    served once the bounty is finalized), and recomputes the commitment.
 * 4. Gets each checkpoint (`--checkpoint` for a single `--submission`, or its URI), checks its hash.
 * 5. Re-runs the evaluation in the same sealed evaluator the platform uses
 *    (jobs/evaluation/evaluate-checkpoint.ts), with the same copy policy over earlier submissions, and
 *    recomputes the report's hash.
 * 6. Prints a verdict per submission: `match`, or the field that differs; exits 0 when all match,
 *    1 when any differs or cannot be checked, 2 on bad usage.
 *
 * The board address: `--board`, else this clone's `.data/deployments/<chainId>.json` (a local
 * `npm run dev`). The platform: `--platform`, default http://localhost:3000.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { bountyBoardAbi } from "../contracts/abi.js";
import { DUPLICATE_REPORT, VERDICT } from "../core/board.js";
import { type BountySpec, bountySpecSchema, fromOnchainScore, specHash } from "../core/spec.js";
import {
  copyReason,
  type EarlierScore,
  type EvaluationReport,
  evaluateCheckpoint,
  fetchCheckpointBytes,
  findCopyOf,
  hashedReport,
  hashMismatchReport,
  reportBytes,
  Sandbox,
} from "../jobs/evaluation/index.js";
import { evalSetCommitment } from "../ml/evalset.js";
import { boardAddress, createChainClient, readDeployment } from "../server/chain.js";
import { envOrExit, envSchema } from "../server/env.js";
import { sha256Hex } from "../server/hash.js";

const USAGE =
  "usage: npm run verify -- --bounty N [--submission M] [--rpc-url URL] [--board 0x…] [--platform URL] " +
  "[--spec spec.json] [--eval-set set.bin --salt 0x…] [--checkpoint m.onnx] [--from-block B]";
const say = (line: string) => process.stdout.write(`${line}\n`);

function usage(message: string): never {
  console.error(`verify: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      bounty: { type: "string" },
      submission: { type: "string" },
      "rpc-url": { type: "string" },
      board: { type: "string" },
      platform: { type: "string" },
      spec: { type: "string" },
      "eval-set": { type: "string" },
      salt: { type: "string" },
      checkpoint: { type: "string" },
      "from-block": { type: "string" },
    },
  }));
} catch (error) {
  usage((error as Error).message);
}

const wholeNumber = (name: string, value: string | undefined): bigint | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d{1,20}$/.test(value)) usage(`--${name} must be a whole number, not "${value}"`);
  return BigInt(value);
};
const bountyId = wholeNumber("bounty", values.bounty) ?? usage("--bounty is required");
const onlySubmission = wholeNumber("submission", values.submission);
const fromBlock = wholeNumber("from-block", values["from-block"]) ?? 0n;
if (values.checkpoint && onlySubmission === undefined) usage("--checkpoint needs --submission");
if ((values["eval-set"] === undefined) !== (values.salt === undefined))
  usage("--eval-set and --salt go together");
if (values.salt !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(values.salt))
  usage("--salt must be 0x and 64 hex digits");
if (values.board !== undefined && !isAddress(values.board))
  usage(`--board is not an address: ${values.board}`);
const platform = (values.platform ?? "http://localhost:3000").replace(/\/+$/, "");
try {
  new URL(platform);
} catch {
  usage(`--platform is not a URL: ${platform}`);
}

const env = envOrExit(
  envSchema.pick({
    DEPLOYMENTS_DIR: true,
    EVAL_ISOLATION: true,
    EVAL_MAX_MODEL_BYTES: true,
    EVAL_FETCH_TIMEOUT_MS: true,
    EVAL_MEMORY_MB: true,
    EVAL_TIMEOUT_MS: true,
    EVAL_BATCH_SIZE: true,
  }),
);
const rpcUrl = values["rpc-url"] ?? process.env.RPC_URL ?? "http://127.0.0.1:8545";
const chain = createChainClient(rpcUrl);

/** Fails the run with a message (exit 1): something needed to check is missing. */
function cannot(message: string): never {
  console.error(`verify: cannot check: ${message}`);
  process.exit(1);
}

async function get(url: string, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    cannot(`${what}: ${url} is unreachable (${(error as Error).message})`);
  }
  if (!response.ok)
    cannot(`${what}: ${url} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response;
}

async function boardOf(chainId: number): Promise<Address> {
  if (values.board) return getAddress(values.board);
  const deployment = await readDeployment(env, chainId);
  if (!deployment)
    cannot(`no --board given and no deployment file for chain ${chainId} in ${env.DEPLOYMENTS_DIR}`);
  return boardAddress(deployment);
}

async function specOf(hash: Hex): Promise<BountySpec> {
  const json: unknown = values.spec
    ? JSON.parse(readFileSync(values.spec, "utf8"))
    : await (await get(`${platform}/api/specs?hash=${hash}`, "the spec")).json();
  const parsed = bountySpecSchema.safeParse(json);
  if (!parsed.success) cannot(`the spec is not a valid spec: ${parsed.error.issues[0]?.message}`);
  if (specHash(parsed.data).toLowerCase() !== hash.toLowerCase()) {
    cannot(`the spec's hash is ${specHash(parsed.data)}, not the bounty's on-chain ${hash}`);
  }
  return parsed.data;
}

/** The revealed eval set in a temporary file, its commitment checked against the chain's. */
async function evalSetOf(commitment: Hex, dir: string): Promise<{ path: string; sha256: string }> {
  let bytes: Uint8Array;
  let salt: string;
  if (values["eval-set"]) {
    bytes = readFileSync(values["eval-set"]);
    salt = values.salt as string;
  } else {
    const response = await get(`${platform}/eval-sets/${commitment}`, "the revealed eval set");
    salt = response.headers.get("x-eval-set-salt") ?? cannot("the platform's eval-set answer has no salt");
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  const sha256 = sha256Hex(bytes);
  const recomputed = evalSetCommitment(`0x${sha256}`, salt as Hex);
  if (recomputed.toLowerCase() !== commitment.toLowerCase()) {
    cannot(`the eval set and salt commit to ${recomputed}, not the bounty's on-chain ${commitment}`);
  }
  const file = path.join(dir, "eval-set.bin");
  await writeFile(file, bytes);
  return { path: file, sha256 };
}

interface Published {
  submissionId: bigint;
  uri: string;
  checkpointHash: Hex;
  verdict: string;
  score: bigint;
  reportHash: Hex;
}

/**
 * Every revealed submission of the bounty, in precedence order (commit order: the submission id), with what the
 * chain says of it. Commits never revealed have no checkpoint to check.
 */
async function submissionsOf(board: Address): Promise<Published[]> {
  const events = await chain.getContractEvents({
    address: board,
    abi: bountyBoardAbi,
    eventName: "CheckpointRevealed",
    args: { bountyId },
    fromBlock,
    toBlock: "latest",
  });
  const out: Published[] = [];
  for (const event of events) {
    const submissionId = event.args.submissionId as bigint;
    const sub = await chain.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "getSubmission",
      args: [submissionId],
    });
    out.push({
      submissionId,
      uri: event.args.uri as string,
      checkpointHash: event.args.checkpointHash as Hex,
      verdict: VERDICT[sub.verdict] ?? String(sub.verdict),
      score: sub.score,
      reportHash: sub.reportHash,
    });
  }
  return out.sort((a, b) => (a.submissionId < b.submissionId ? -1 : 1));
}

/**
 * A checkpoint's bytes, looked for as the evaluator does: `--checkpoint`, else the platform's
 * content-addressed store (by the on-chain hash), else its URI from public addresses only; every
 * download capped in size and time (fetch.ts).
 */
async function checkpointOf(sub: Published): Promise<Uint8Array | { unavailable: string }> {
  if (values.checkpoint && sub.submissionId === onlySubmission) return readFileSync(values.checkpoint);
  const caps = { maxBytes: env.EVAL_MAX_MODEL_BYTES, timeoutMs: env.EVAL_FETCH_TIMEOUT_MS };
  const stored = `${platform}/artifacts/${sub.checkpointHash.slice(2).toLowerCase()}`;
  // The platform is the one this command's user named: its address may be local.
  const fromPlatform = await fetchCheckpointBytes(stored, { ...caps, allowAddress: () => true }).catch(
    (error: unknown) => error as Error,
  );
  if (fromPlatform instanceof Uint8Array) return fromPlatform;
  const fromUri = await fetchCheckpointBytes(sub.uri, caps).catch((error: unknown) => error as Error);
  if (fromUri instanceof Uint8Array) return fromUri;
  return { unavailable: `${stored}: ${fromPlatform.message}; ${sub.uri}: ${fromUri.message}` };
}

/** A published report from the platform, if it serves it and its bytes hash to `reportHash`. */
async function publishedReport(reportHash: Hex): Promise<EvaluationReport | undefined> {
  const url = `${platform}/artifacts/${reportHash.slice(2).toLowerCase()}`;
  const bytes = await fetchCheckpointBytes(url, {
    maxBytes: 64 * 1024 ** 2,
    timeoutMs: env.EVAL_FETCH_TIMEOUT_MS,
    allowAddress: () => true,
  }).catch(() => undefined);
  if (!bytes || `0x${sha256Hex(bytes)}` !== reportHash.toLowerCase()) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as EvaluationReport;
  } catch {
    return undefined;
  }
}

/** The first field where two hashed reports differ, as a path and both values. */
function firstDifference(a: unknown, b: unknown, where = "report"): string | undefined {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Object.is(a, b)
      ? undefined
      : `${where}: published ${JSON.stringify(a)}, recomputed ${JSON.stringify(b)}`;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${where}.${key}`,
    );
    if (found) return found;
  }
  return undefined;
}

const { chainId } = { chainId: await chain.getChainId() };
const board = await boardOf(chainId);
const bounty = await chain.readContract({
  address: board,
  abi: bountyBoardAbi,
  functionName: "getBounty",
  args: [bountyId],
});
if (bounty.specHash === `0x${"0".repeat(64)}`)
  cannot(`bounty ${bountyId} does not exist on board ${board} (chain ${chainId})`);
say(`bounty ${bountyId} on board ${board} (chain ${chainId}, ${rpcUrl})`);
const spec = await specOf(bounty.specHash);
say(`  spec      ${bounty.specHash} ✓ (${spec.name}: ${spec.metric.name}, target ${spec.metric.target})`);

const dir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-verify-"));
// The same limits and batch size as the platform's worker reads from the same variables.
const sandbox = new Sandbox({
  memoryBytes: env.EVAL_MEMORY_MB * 1024 ** 2,
  timeoutMs: env.EVAL_TIMEOUT_MS,
  isolation: env.EVAL_ISOLATION,
});
let failures = 0;
try {
  const evalSet = await evalSetOf(bounty.evalSetCommitment, dir);
  say(`  eval set  ${bounty.evalSetCommitment} ✓ (sha256 ${evalSet.sha256})`);
  const all = await submissionsOf(board);
  const wanted = all.filter((s) => onlySubmission === undefined || s.submissionId <= onlySubmission);
  if (onlySubmission !== undefined && !wanted.some((s) => s.submissionId === onlySubmission)) {
    cannot(`submission ${onlySubmission} is not a submission of bounty ${bountyId}`);
  }
  const earlier: EarlierScore[] = [];
  for (const sub of wanted) {
    const id = String(sub.submissionId);
    const checkpointSha = sub.checkpointHash.slice(2).toLowerCase();
    if (sub.reportHash.toLowerCase() === DUPLICATE_REPORT) {
      // The board disqualified it itself: an earlier commit revealed the same checkpoint. No report to check.
      if (onlySubmission === undefined || sub.submissionId === onlySubmission) {
        say(`  #${id}  disqualified by the board: an earlier commit revealed the same checkpoint`);
      }
      continue;
    }
    if (onlySubmission !== undefined && sub.submissionId !== onlySubmission) {
      // Checking one submission: earlier ones count for precedence as published (their own run of
      // this command checks them); their fingerprints come from their published reports.
      const published = sub.verdict === "Scored" ? await publishedReport(sub.reportHash) : undefined;
      if (published?.fingerprint && published.score !== undefined) {
        earlier.push({ submissionId: id, fingerprint: published.fingerprint.values, score: published.score });
      } else if (sub.verdict === "Scored") {
        say(
          `  #${id}  (earlier, scored) its report is unavailable: its precedence is not taken into account`,
        );
      }
      continue;
    }
    let report: EvaluationReport;
    const bytes = await checkpointOf(sub);
    if (!(bytes instanceof Uint8Array)) {
      if (onlySubmission === undefined || sub.submissionId === onlySubmission) {
        say(`  #${id}  cannot check: the checkpoint is unavailable (${bytes.unavailable})`);
        failures++;
      }
      continue;
    }
    if (sha256Hex(bytes) !== checkpointSha) {
      report = hashMismatchReport(spec, checkpointSha);
    } else {
      report = await evaluateCheckpoint({
        modelBytes: bytes,
        modelSha256: checkpointSha,
        evalSetPath: evalSet.path,
        evalSetSha256: evalSet.sha256,
        spec,
        sandbox,
        limits: { maxModelBytes: env.EVAL_MAX_MODEL_BYTES, maxInitializerBytes: env.EVAL_MAX_MODEL_BYTES },
        batchSize: env.EVAL_BATCH_SIZE,
        evalSetCommitment: bounty.evalSetCommitment,
      });
    }
    report.submission = { chainId, board, bountyId: String(bountyId), submissionId: id, uri: sub.uri };
    if (report.outcome === "scored" && report.fingerprint && report.score !== undefined) {
      const found = findCopyOf(
        { fingerprint: report.fingerprint.values, score: report.score },
        earlier,
        spec.metric,
      );
      if (found) {
        report.outcome = "copy";
        report.copyOf = found.submissionId;
        report.qualifies = false;
        report.reason = copyReason(found, report.score, spec.metric);
      } else {
        earlier.push({ submissionId: id, fingerprint: report.fingerprint.values, score: report.score });
      }
    }
    if (onlySubmission !== undefined && sub.submissionId !== onlySubmission) continue;

    const { sha256 } = reportBytes(report);
    const problems: string[] = [];
    const wantVerdict = report.outcome === "scored" ? "Scored" : "Disqualified";
    if (sub.verdict !== wantVerdict)
      problems.push(`verdict: published ${sub.verdict}, recomputed ${wantVerdict}`);
    if (report.outcome === "scored" && BigInt(report.onchainScore ?? "0") !== sub.score) {
      problems.push(
        `score: published ${fromOnchainScore(sub.score)}, recomputed ${report.score} (on-chain units ${sub.score} vs ${report.onchainScore})`,
      );
    }
    if (`0x${sha256}` !== sub.reportHash.toLowerCase()) {
      const published = await publishedReport(sub.reportHash);
      const field = published ? firstDifference(published, hashedReport(report)) : undefined;
      problems.push(
        `report hash: published ${sub.reportHash}, recomputed 0x${sha256}${field ? ` (first difference: ${field})` : ""}`,
      );
    }
    const summary =
      report.outcome === "scored"
        ? `${report.metric} ${report.score}`
        : `${report.outcome}: ${report.failure ?? report.copyOf ?? ""}`;
    if (problems.length === 0) say(`  #${id}  match (${summary})`);
    else {
      failures++;
      say(`  #${id}  DIFFERS (${summary})`);
      for (const problem of problems) say(`        ${problem}`);
    }
  }
} finally {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
say(
  failures === 0
    ? "verified: every published score matches"
    : `NOT verified: ${failures} submission(s) differ or cannot be checked`,
);
process.exitCode = failures === 0 ? 0 : 1;
