/**
 * Submitted checkpoints evaluated for real, on anvil: the indexer turns
 * CheckpointRevealed into an evaluate job, a BullMQ worker runs the evaluator
 * (eval set checked against its on-chain commitment, checkpoint hash checked,
 * model validated, onnxruntime in a sandboxed child), the verdict is published
 * on-chain and indexed back.
 *
 * - a reference model is scored, its score on-chain and in the index;
 * - a copy (same outputs, different bytes) is disqualified, the original keeps precedence;
 * - every kind of bad checkpoint gets an invalid verdict with its reason, and the worker goes on;
 * - publishing is idempotent: the job run twice, and a real worker process killed after
 *   broadcasting, leave exactly one evaluation on-chain.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { createWalletClient, type Hex, http, nonceManager } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount, anvilPrivateKey } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { fromOnchainScore, onchainSpecTerms } from "../../core/spec.js";
import { evaluationRuns, submissions } from "../../db/schema/index.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { type DeployResult, deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { storeEvalSet } from "../../jobs/evalsets/evalsets.js";
import { Evaluator } from "../../jobs/evaluation/evaluator.js";
import { Sandbox } from "../../jobs/evaluation/sandbox.js";
import type { Indexer } from "../../jobs/indexer/indexer.js";
import { createQueue, QUEUE } from "../../jobs/queues.js";
import { type RunningWorkers, startWorkers } from "../../jobs/runtime.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { decodeModel, encodeModel } from "../../ml/onnx.js";
import { trainReference } from "../../ml/train.js";
import { nodeTs, startProcess } from "../../scripts/lib/processes.js";
import { ArtifactStore } from "../../server/artifacts.js";
import { createChainClient } from "../../server/chain.js";
import { sha256Hex } from "../../server/hash.js";
import { createRedis } from "../../server/redis.js";
import { boardClients, createBountyArgs, usd } from "../setup/board-activity.js";
import * as bad from "../setup/checkpoints.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
  waitUntil,
} from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";

const spec = blobsClassifierSpec;
const prefix = uniqueId("evaluation");
const dir = tempDir("evaluation");
const log = createLogger("test", "silent");
const CHAIN_ID = 31_337;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let deployed: DeployResult;
let connection: Redis;
let store: ArtifactStore;
let c: ReturnType<typeof boardClients>;
let bountyId: bigint;
let evaluator: Evaluator;
let indexer: Indexer;
let workers: RunningWorkers | undefined;
let evalSetRow: Awaited<ReturnType<typeof storeEvalSet>>;
/** Where the tests serve checkpoints "from elsewhere": a loopback address the test evaluator treats as public. */
const PUBLIC_HOST = "127.0.0.2";
let elsewhere: Server;
const servedElsewhere = new Map<string, Uint8Array>();
const evaluateQueue = () => createQueue(QUEUE.evaluate, connection, prefix);

function newEvaluator(): Evaluator {
  const account = privateKeyToAccount(anvilPrivateKey(2), { nonceManager });
  return new Evaluator({
    db: db.handle.db,
    chain: c.publicClient as never,
    wallet: createWalletClient({ account, chain: foundry, transport: http(anvil.url) }),
    account,
    store,
    sandbox: new Sandbox({ memoryBytes: 768 * 1024 ** 2, timeoutMs: 60_000 }),
    log,
    // Small enough for hugeInitializers to cross it cheaply, large enough for every real model here.
    limits: { maxModelBytes: 1024 ** 2, maxInitializerBytes: 64 * 1024 },
    // checkpoints.test is a "public" host served on 127.0.0.2 (loopback); nothing else is let through.
    fetch: {
      lookup: async (host) => (host === "checkpoints.test" ? [PUBLIC_HOST] : []),
      allowAddress: (address) => address === PUBLIC_HOST,
    },
    retries: 2,
    retryDelayMs: 50,
  });
}

/** Stores `bytes` as a public artifact and submits `claimedHash` (default: their hash) with its URI. */
const claimed = new Set<number>();
async function submit(
  trainer: number,
  bytes: Uint8Array,
  claimedHash?: string,
  from: "store" | "elsewhere" = "store",
): Promise<string> {
  const account = anvilAccount(trainer);
  if (!claimed.has(trainer)) {
    await c.send(account, "claim", [bountyId]);
    claimed.add(trainer);
  }
  const sha = sha256Hex(bytes);
  let uri = `http://127.0.0.1:1/artifacts/${sha}`;
  if (from === "store") await store.put("public", bytes, sha, 1024 ** 3);
  else {
    servedElsewhere.set(`/${sha}.onnx`, bytes);
    uri = `http://checkpoints.test:${(elsewhere.address() as AddressInfo).port}/${sha}.onnx`;
  }
  // Commit, then reveal in the next block, as the pool agent does.
  const { submissionId } = await c.commitAndReveal(account, bountyId, `0x${claimedHash ?? sha}`, uri);
  return String(submissionId);
}

async function index(): Promise<void> {
  await indexer.catchUp();
  await indexer.flushEffects();
}

/** The evaluate job's lock of the worker processes below (EVAL_LOCK_MS): a killed one's job is back soon. */
const WORKER_LOCK_MS = 2_000;

/** A worker process (jobs/worker.ts) on this test's chain, Redis, database and store. */
function workerProcess() {
  return startProcess({
    name: "worker",
    ...nodeTs("jobs/worker.ts"),
    env: {
      PATH: process.env.PATH,
      RPC_URL: anvil.url,
      REDIS_URL: redis.url,
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: store.dir,
      EVAL_MEMORY_MB: "768",
      EVAL_LOCK_MS: String(WORKER_LOCK_MS),
      LOG_LEVEL: "warn",
    },
    onLine: () => {},
  });
}

async function runOf(submissionId: string) {
  const [run] = await db.handle.db
    .select()
    .from(evaluationRuns)
    .where(and(eq(evaluationRuns.chainId, CHAIN_ID), eq(evaluationRuns.submissionId, submissionId)));
  return run;
}

async function onchain(submissionId: string) {
  return c.publicClient.readContract({
    address: c.board,
    abi: bountyBoardAbi,
    functionName: "getSubmission",
    args: [BigInt(submissionId)],
  });
}

async function publishedEvents(submissionId: string): Promise<number> {
  const logs = await c.publicClient.getContractEvents({
    address: c.board,
    abi: bountyBoardAbi,
    fromBlock: 0n,
    args: { submissionId: BigInt(submissionId) } as never,
  });
  return logs.filter((l) => l.eventName === "EvaluationPublished" || l.eventName === "SubmissionDisqualified")
    .length;
}

beforeAll(async () => {
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  await syncDeployment(deployed.deployment, { db: db.handle.db, chain: createChainClient(anvil.url), log });
  c = boardClients(anvil.url, deployed.deployment);
  store = new ArtifactStore(path.join(dir.dir, "artifacts"));
  connection = createRedis(redis.url, "worker");

  // The DAO stores its spec and private eval set, then proposes with their hashes; backers fund it.
  await registerSpec(db.handle.db, spec);
  evalSetRow = await storeEvalSet(db.handle.db, store, encodeEvalSet(heldOutSplit(spec)), { spec });
  const evalSet = evalSetRow;
  const trainers = [3, 4, 5, 6, 7, 8, 9];
  await c.approveAll([anvilAccount(1), ...trainers.map((i) => anvilAccount(i))]);
  const terms = onchainSpecTerms(spec);
  const now = (await c.publicClient.getBlock()).timestamp;
  await c.send(
    anvilAccount(1),
    "createBounty",
    createBountyArgs({
      token: c.token,
      goal: usd(100),
      fundingDeadline: now + 86_400n,
      deliveryDeadline: now + 30n * 86_400n,
      specHash: terms.specHash,
      evalSetCommitment: evalSet.commitment as Hex,
      metricId: terms.metricId,
      targetScore: terms.targetScore,
      direction: terms.direction,
      bond: usd(1),
      arbiter: anvilAccount(1).address,
    }),
  );
  [bountyId] = await c.publicClient.readContract({
    address: c.board,
    abi: bountyBoardAbi,
    functionName: "counts",
  });
  await c.send(anvilAccount(1), "fund", [bountyId, usd(100)]);

  indexer = testIndexer(db.handle.db, anvil.url, deployed.deployment, {
    queues: { [QUEUE.evaluate]: evaluateQueue() },
  });
  evaluator = newEvaluator();
  elsewhere = createServer((request, response) => {
    const bytes = servedElsewhere.get(request.url ?? "");
    response.writeHead(bytes ? 200 : 404).end(bytes);
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, PUBLIC_HOST, resolve));
}, 120_000);

afterAll(async () => {
  elsewhere?.close();
  await workers?.close(5_000);
  await evaluator?.options.sandbox.close();
  connection?.disconnect();
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  dir.remove();
});

/** Runs `npm run verify` (its script) with `args`; resolves its exit code (or signal) and output. */
function runVerify(
  args: string[],
): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  const { command, args: nodeArgs } = nodeTs("scripts/verify.ts", ...args);
  return new Promise((resolve) => {
    execFile(
      command,
      nodeArgs,
      { env: { ...process.env, DEPLOYMENTS_DIR: dir.dir }, timeout: 120_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code ?? error.signal ?? "failed") : 0, stdout, stderr }),
    );
  });
}

function startEvaluatorWorker(): RunningWorkers {
  return startWorkers(
    { db: db.handle.db, chain: c.publicClient as never, log, evaluator },
    { connection, prefix, concurrency: 1, queues: [QUEUE.evaluate] },
  );
}

describe("the evaluator on anvil", () => {
  let original: string;
  let model: Uint8Array;

  it("scores a submitted checkpoint, publishes the score on-chain, and the index shows it", async () => {
    model = await trainReference(spec, { seed: 1 });
    original = await submit(3, model);
    workers = startEvaluatorWorker();
    await index();
    const run = await waitUntil(
      "the evaluation",
      async () => {
        const r = await runOf(original);
        return r?.publish === "confirmed" ? r : undefined;
      },
      60_000,
    );
    expect(run).toMatchObject({ outcome: "scored", metric: "accuracy" });
    expect(run.score).toBeGreaterThan(0.85);

    const sub = await onchain(original);
    expect(sub.verdict).toBe(1); // Scored
    expect(fromOnchainScore(sub.score)).toBeCloseTo(run.score as number, 9);
    expect(sub.reportHash).toBe(`0x${run.reportSha256}`);

    // The report is stored under the hash published on-chain, and says what was measured: its
    // deterministic part only, so anyone can recompute the hash. Timings stay in the database.
    const report = JSON.parse((await readArtifact(run.reportSha256 as string)).toString("utf8"));
    expect(report).toMatchObject({
      version: 2,
      outcome: "scored",
      checkpoint: { sha256: sha256Hex(model) },
      evalSet: { samples: heldOutSplit(spec).count },
      checks: ["batch_independence"],
    });
    expect(report).not.toHaveProperty("timings");
    expect(report).not.toHaveProperty("evaluatedAt");
    expect(report).not.toHaveProperty("runtime");
    expect(run.report).toMatchObject({ runtime: { onnxruntime: expect.stringMatching(/^\d+\.\d+/) } });
    expect(report.fingerprint.values.length).toBeGreaterThan(0);

    // The indexer picks up EvaluationPublished: the score is in the index.
    await index();
    const [indexed] = await db.handle.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.chainId, CHAIN_ID), eq(submissions.submissionId, original)));
    expect(indexed).toMatchObject({ verdict: "Scored", score: String(sub.score) });
  });

  it("disqualifies a copy whose outputs match an earlier submission, which keeps precedence", async () => {
    // Same weights, different bytes: another producer name gives another sha256.
    const proto = decodeModel(model);
    proto.producerName = "definitely-my-own-work";
    const copy = await submit(4, encodeModel(proto));
    // A model trained apart (another seed) is not a copy.
    const own = await submit(5, await trainReference(spec, { seed: 7 }));
    await index();
    for (const id of [copy, own]) {
      await waitUntil(
        `submission ${id}`,
        async () => ((await runOf(id))?.publish === "confirmed" ? true : undefined),
        60_000,
      );
    }
    expect(await runOf(copy)).toMatchObject({ outcome: "copy", copyOf: original });
    expect((await runOf(copy))?.reason).toMatch(new RegExp(`earlier submission ${original}`));
    expect((await onchain(copy)).verdict).toBe(2); // Disqualified
    expect(await runOf(own)).toMatchObject({ outcome: "scored", copyOf: null });
    expect((await onchain(original)).verdict).toBe(1);
  });

  it("gives every bad checkpoint an invalid verdict with its reason, and goes on to the next job", async () => {
    const valid = bad.validClassifier(spec);
    const cases: {
      name: string;
      bytes: Uint8Array;
      claimedHash?: string;
      uri?: "elsewhere";
      reason: RegExp;
    }[] = [
      { name: "not ONNX", bytes: bad.notOnnx(), reason: /not an ONNX model/ },
      { name: "truncated", bytes: bad.truncated(valid), reason: /truncated or corrupt/ },
      { name: "wrong input name", bytes: bad.wrongInputName(spec), reason: /input/ },
      { name: "wrong input shape", bytes: bad.wrongInputShape(spec), reason: /dim|shape/ },
      { name: "wrong input dtype", bytes: bad.wrongInputDtype(spec), reason: /float32|dtype|type/ },
      { name: "NaN output", bytes: bad.nanOutput(spec), reason: /NaN/ },
      { name: "huge initializers", bytes: bad.hugeInitializers(spec, 128 * 1024), reason: /initializer/i },
      { name: "disallowed op", bytes: bad.disallowedOp(spec), reason: /RandomNormalLike/ },
      { name: "memory hog", bytes: bad.memoryHog(spec, 8), reason: /memory|allocat/i },
      {
        // Not in the store under the claimed hash: fetched from its URI, a loopback address.
        name: "unknown hash, loopback URI",
        bytes: valid,
        claimedHash: "ab".repeat(32),
        reason: /resolves to 127\.0\.0\.1, a loopback address; only public addresses are fetched/,
      },
      {
        // Fetched from a public address, its bytes are not what the trainer committed to.
        name: "hash mismatch",
        bytes: valid,
        claimedHash: "cd".repeat(32),
        uri: "elsewhere",
        reason:
          /^the sha256 of the bytes at the checkpoint URI is not the on-chain checkpoint hash (cd){32}$/,
      },
    ];
    const ids: string[] = [];
    // Two submissions per trainer account on top of earlier ones (at most five each).
    for (const [i, item] of cases.entries())
      ids.push(await submit(6 + (i % 4), item.bytes, item.claimedHash, item.uri));
    const last = await submit(3, valid);
    await index();
    await waitUntil(
      "the valid checkpoint after the bad ones",
      async () => ((await runOf(last))?.publish === "confirmed" ? true : undefined),
      120_000,
    );
    for (const [i, item] of cases.entries()) {
      const run = await runOf(ids[i] as string);
      // The run's transaction error, if any, says why a publish did not confirm.
      expect({ name: item.name, outcome: run?.outcome, publish: run?.publish }, run?.txError ?? "").toEqual({
        name: item.name,
        outcome: "invalid",
        publish: "confirmed",
      });
      expect(run?.reason, item.name).toMatch(item.reason);
      expect((await onchain(ids[i] as string)).verdict, item.name).toBe(2);
    }
    expect(await runOf(last)).toMatchObject({ outcome: "scored" });
  }, 180_000);

  it("publishes once when the same evaluation runs twice", async () => {
    const again = await evaluator.evaluate({ chainId: CHAIN_ID, submissionId: original });
    expect(again).toMatchObject({ outcome: "scored", publish: "confirmed" });
    expect(await publishedEvents(original)).toBe(1);
  });

  it("publishes once when a worker process is killed after broadcasting its transaction", async () => {
    await workers?.close(5_000);
    workers = undefined;
    const id = await submit(8, await trainReference(spec, { seed: 3 }));
    // Transactions now wait in the mempool, so the worker is killed between sending and completing.
    await c.testClient.setAutomine(false);
    const worker = workerProcess();
    try {
      await index();
      const sent = await waitUntil(
        "the transaction to be sent",
        async () => {
          const r = await runOf(id);
          return r?.publish === "sent" ? r : undefined;
        },
        60_000,
      );
      await sleep(200); // it is broadcast right after it is saved
      process.kill(-(worker.child.pid as number), "SIGKILL");
      await worker.stop(2_000);
      expect((await onchain(id)).verdict).toBe(0); // still Pending: the transaction waits in the mempool

      // The job runs again (BullMQ would retry it): it must re-send the same transaction, not a new one.
      const retried = evaluator.evaluate({ chainId: CHAIN_ID, submissionId: id });
      await sleep(300);
      await c.testClient.mine({ blocks: 1 });
      await c.testClient.setAutomine(true);
      const result = await retried;
      expect(result).toMatchObject({ outcome: "scored", publish: "confirmed", txHash: sent.txHash });
    } finally {
      await c.testClient.setAutomine(true);
      await worker.stop(2_000);
    }
    expect((await onchain(id)).verdict).toBe(1);
    expect(await publishedEvents(id)).toBe(1);
  }, 120_000);

  it("takes up an evaluation whose worker was SIGKILLed within about twice EVAL_LOCK_MS", async () => {
    const first = workerProcess();
    let second: ReturnType<typeof workerProcess> | undefined;
    try {
      // The job the test above left locked by its killed worker is taken up first (its lock was as short).
      const queue = evaluateQueue();
      await waitUntil(
        "the evaluate queue to be idle",
        async () => {
          const counts = await queue.getJobCounts("active", "wait", "delayed", "prioritized");
          return Object.values(counts).every((n) => n === 0) || undefined;
        },
        30_000,
      );
      await queue.close();
      const id = await submit(9, await trainReference(spec, { seed: 4 }));
      // Its transaction waits in the mempool: the worker is killed with the evaluation under way.
      await c.testClient.setAutomine(false);
      await index();
      await waitUntil(
        "the transaction to be sent",
        async () => (await runOf(id))?.publish === "sent" || undefined,
        60_000,
      );
      process.kill(-(first.child.pid as number), "SIGKILL");
      await first.stop(2_000);
      await c.testClient.setAutomine(true);
      await c.testClient.mine({ blocks: 1 });
      const killedAt = Date.now();
      // Nobody runs it by hand: the next worker's stalled check finds the lost job and finishes it.
      second = workerProcess();
      await waitUntil(
        "the evaluation to finish",
        async () => ((await runOf(id))?.publish === "confirmed" ? true : undefined),
        60_000,
      );
      // Two locks, plus the new worker's start-up (a few seconds on a busy CI machine); BullMQ's default
      // would have been 30 s at the least, the old 120 s lock four times that.
      expect(Date.now() - killedAt).toBeLessThan(2 * WORKER_LOCK_MS + 10_000);
      expect((await onchain(id)).verdict).toBe(1);
      expect(await publishedEvents(id)).toBe(1);
    } finally {
      await c.testClient.setAutomine(true);
      await first.stop(2_000);
      await second?.stop(5_000);
    }
  }, 120_000);

  it("npm run verify recomputes a published score from the chain and the revealed eval set; a wrong one differs", async () => {
    // What an outsider has once the eval set is revealed: the spec, the eval set and its salt, the model.
    const files = {
      spec: path.join(dir.dir, "verify-spec.json"),
      evalSet: path.join(dir.dir, "verify-eval-set.bin"),
      model: path.join(dir.dir, "verify-model.onnx"),
    };
    await writeFile(files.spec, JSON.stringify(spec));
    await writeFile(files.evalSet, encodeEvalSet(heldOutSplit(spec)));
    await writeFile(files.model, model);
    const verify = (submission: string, checkpoint = files.model) =>
      runVerify([
        "--bounty",
        String(bountyId),
        "--submission",
        submission,
        "--rpc-url",
        anvil.url,
        "--board",
        c.board,
        "--spec",
        files.spec,
        "--eval-set",
        files.evalSet,
        "--salt",
        evalSetRow.salt,
        "--checkpoint",
        checkpoint,
        // No platform serves reports here: earlier submissions' precedence is skipped, and said so.
        "--platform",
        "http://127.0.0.1:1",
      ]);
    const good = await verify(original);
    expect(good.stdout).toMatch(new RegExp(`#${original}  match \\(accuracy 0\\.\\d+\\)`));
    expect(good.stdout).toMatch(/verified: every published score matches/);
    expect(good.code, `${good.stdout}\n${good.stderr}`).toBe(0);

    // A rogue evaluator key publishes a score the model does not get: verify names the fields.
    const other = await trainReference(spec, { seed: 11 });
    const rogue = await submit(9, other);
    const account = anvilAccount(2);
    await c.send(account, "publishEvaluation", [BigInt(rogue), 999_000_000n, `0x${"ab".repeat(32)}`]);
    const otherFile = path.join(dir.dir, "verify-other.onnx");
    await writeFile(otherFile, other);
    const bad = await verify(rogue, otherFile);
    expect(bad.code, `${bad.stdout}\n${bad.stderr}`).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`#${rogue}  DIFFERS`));
    expect(bad.stdout).toMatch(/score: published 0\.999, recomputed 0\.\d+/);
    expect(bad.stdout).toMatch(/report hash: published 0xabab/);
    expect(bad.stdout).toMatch(/NOT verified: 1 submission/);
  }, 240_000);
});

async function readArtifact(sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read("public", sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
