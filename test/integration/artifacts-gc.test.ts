/**
 * The artifact GC on a real PostgreSQL and a real store on disk: old unreferenced artifacts go (with the
 * record of who uploaded them), referenced ones and recent ones stay, whatever their age; a dry run
 * deletes nothing; unfinished uploads go after a day. `npm run artifacts -- gc` does the same by hand.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import {
  artifactUploads,
  evalSets,
  evaluationRuns,
  leases,
  pools,
  submissions,
} from "../../db/schema/index.js";
import { collectArtifacts } from "../../jobs/artifacts/gc.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { ArtifactStore } from "../../server/artifacts.js";
import { type TestDb, tempDir, testDatabase } from "../setup/fixtures.js";

const DAY_MS = 86_400_000;
const RETENTION_MS = 7 * DAY_MS;
const dir = tempDir("artifacts-gc");
const store = new ArtifactStore(path.join(dir.dir, "store"));
let db: TestDb;

beforeAll(async () => {
  db = await testDatabase();
  await db.handle.db.insert(pools).values({
    id: "pool-1",
    name: "gc-pool",
    operator: "0x000000000000000000000000000000000000dEaD",
    gpuModel: "none",
    gpuCount: 0,
    vramGb: 0,
    maxLeases: 1,
  });
}, 60_000);

afterAll(async () => {
  await db?.stop();
  dir.remove();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Stores `text` in `area`, written `ageDays` ago; returns its sha256. */
async function stored(area: "public" | "private", text: string, ageDays: number, owner?: string) {
  const hash = sha256(text);
  await store.put(area, new TextEncoder().encode(text), hash, 1_000_000);
  if (owner) await store.addOwner(hash, owner);
  const when = new Date(Date.now() - ageDays * DAY_MS);
  await utimes(store.path(area, hash), when, when);
  return hash;
}

let leaseCount = 0;
async function leaseWithUpload(hash: string, status: "active" | "failed", uploadedDaysAgo: number) {
  const id = `gc-lease-${++leaseCount}`;
  const at = new Date(Date.now() - uploadedDaysAgo * DAY_MS);
  await db.handle.db.insert(leases).values({
    id,
    chainId: 31_337,
    bountyId: String(leaseCount),
    jobId: `train-31337-${leaseCount}`,
    queue: "train-v0-g0",
    poolId: "pool-1",
    attempt: 1,
    status,
    leasedAt: at,
    expiresAt: new Date(at.getTime() + 60_000),
  });
  await db.handle.db.insert(artifactUploads).values({
    leaseId: id,
    poolId: "pool-1",
    sha256: hash,
    bytes: 10,
    uploadId: id,
    uploadedAt: at,
    storedAt: at,
  });
}

describe("the artifact GC", () => {
  it("deletes old unreferenced artifacts only, and a dry run deletes nothing", async () => {
    const d = db.handle.db;
    // Referenced, all old: a revealed submission's checkpoint, a report, an active lease's upload,
    // training data a registered spec links, a stored eval set.
    const submitted = await stored("public", "submitted checkpoint", 30, "pool-1");
    await d.insert(submissions).values({
      chainId: 31_337,
      txHash: `0x${"01".repeat(32)}`,
      logIndex: 0,
      blockNumber: 1,
      blockHash: `0x${"02".repeat(32)}`,
      submissionId: "1",
      bountyId: "1",
      trainer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      commitment: `0x${"03".repeat(32)}`,
      committedAt: "1800000000",
      checkpointHash: `0x${submitted}`,
      verdict: "Scored",
    });
    const report = await stored("public", "an evaluation report", 30);
    await d
      .insert(evaluationRuns)
      .values({ chainId: 31_337, submissionId: "1", bountyId: "1", reportSha256: report });
    const training = await stored("public", "imported training data", 30);
    await registerSpec(d, {
      ...blobsClassifierSpec,
      trainingData: [{ uri: `http://platform.example/artifacts/${training}`, description: "imported" }],
    });
    const inTraining = await stored("public", "checkpoint of a lease still active", 30, "pool-1");
    await leaseWithUpload(inTraining, "active", 30);
    const evalSet = await stored("private", "an eval set", 30);
    // Training data split off by the eval-set API (its spec was registered before the split).
    const apiTraining = await stored("public", "training part of an imported data file", 30);
    await d.insert(evalSets).values({
      trainingSha256: apiTraining,
      commitment: `0x${"04".repeat(32)}`,
      sha256: evalSet,
      salt: `0x${"05".repeat(32)}`,
      byteLength: 11,
      task: "classification",
      samples: 1,
    });
    // Unreferenced: recent (kept) and old (deleted), including a failed lease's old upload.
    const recent = await stored("public", "a recent stray upload", 1, "pool-1");
    const failedLease = await stored("public", "checkpoint of a failed lease", 30, "pool-1");
    await leaseWithUpload(failedLease, "failed", 30);
    const stray = await stored("private", "an orphaned private file", 30);
    await mkdir(path.join(store.dir, "tmp"), { recursive: true });
    const crashed = path.join(store.dir, "tmp", "crashed-upload");
    await writeFile(crashed, "half");
    await utimes(crashed, new Date(Date.now() - 2 * DAY_MS), new Date(Date.now() - 2 * DAY_MS));

    const dry = await collectArtifacts(d, store, { retentionMs: RETENTION_MS, dryRun: true });
    expect(dry.removed.map((a) => a.sha256).sort()).toEqual([failedLease, stray].sort());
    expect(await store.has("public", failedLease)).toBeDefined();

    const result = await collectArtifacts(d, store, { retentionMs: RETENTION_MS });
    expect(result.removed).toEqual(
      expect.arrayContaining([
        { area: "public", sha256: failedLease, size: 28 },
        { area: "private", sha256: stray, size: 24 },
      ]),
    );
    expect(result.removed).toHaveLength(2);
    expect(result.kept).toBe(7);
    expect(result.temporaries).toBe(1);
    expect(existsSync(crashed)).toBe(false);
    expect(await store.has("public", failedLease)).toBeUndefined();
    // Who uploaded it stays on record (a new upload of the same bytes must stay gated until its reveal).
    expect(await store.hasOwners(failedLease)).toBe(true);
    for (const hash of [submitted, report, training, apiTraining, inTraining, recent]) {
      expect(await store.has("public", hash), hash).toBeDefined();
    }
    expect(await store.has("private", evalSet)).toBeDefined();
  });

  it("deletes nothing against a database that is not the platform's (no eval sets, the store has some)", async () => {
    const empty = await testDatabase();
    try {
      await expect(collectArtifacts(empty.handle.db, store, { retentionMs: RETENTION_MS })).rejects.toThrow(
        /the database holds no eval sets, yet the artifact store does/,
      );
    } finally {
      await empty.stop();
    }
  });

  it("runs by hand: npm run artifacts -- gc [--dry-run], and refuses bad usage with exit code 2", async () => {
    const old = await stored("public", "another stray", 30);
    const run = promisify(execFile);
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: "test" as const,
      DATABASE_URL: db.url,
      ARTIFACTS_DIR: store.dir,
      DEV_DATA_DIR: dir.dir,
    };
    const cli = (...args: string[]) =>
      run(process.execPath, ["--import", "tsx", "scripts/artifacts.ts", ...args], { env }).then(
        (out) => ({ code: 0, ...out }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const dry = await cli("gc", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would delete public/${old}`);
    expect(await store.has("public", old)).toBeDefined();
    const real = await cli("gc");
    expect(real.stdout).toContain(`deleted public/${old}`);
    expect(await store.has("public", old)).toBeUndefined();
    const bad = await cli("sweep");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "sweep"');
    // Never against a fresh database of its own.
    const noDatabase = await run(process.execPath, ["--import", "tsx", "scripts/artifacts.ts", "gc"], {
      env: { ...env, DATABASE_URL: undefined },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.stderr).toContain("gc needs the platform's database");
  });
});
