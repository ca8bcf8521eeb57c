/**
 * The pool agents' HTTP API on a real server (remix build + remix-serve) with
 * a real Redis and PostgreSQL: bearer-token auth, body validation naming the
 * field, one pool never touching another's lease, artifact upload checks,
 * capacity, the long poll, and the queue-status JSON.
 */
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { leaseViewSchema, POOL_API, SHA256_HEADER } from "../../core/pool-api.js";
import { artifactUploads, leaseProgress, leases, type PoolRow, pools } from "../../db/schema/index.js";
import { Dispatcher, type TrainingJobData } from "../../jobs/dispatch/dispatcher.js";
import { createPool, revokePoolTokens, rotatePoolToken, setPoolStatus } from "../../jobs/dispatch/pools.js";
import { createRedis } from "../../server/redis.js";
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
import { peakConcurrency } from "../setup/leases.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const MAX_BYTES = 4_096;
/** A pool's 24-hour upload quota here: one full-size checkpoint and a bit. */
const QUOTA_BYTES = 6_000;
const prefix = uniqueId("pool-api");
const artifactsDir = tempDir("artifacts");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let connection: Redis;
let dispatcher: Dispatcher;

beforeAll(async () => {
  build = buildWeb("pool-api-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    ARTIFACTS_DIR: artifactsDir.dir,
    ARTIFACT_MAX_BYTES: String(MAX_BYTES),
    POOL_UPLOAD_QUOTA_BYTES: String(QUOTA_BYTES),
    LEASE_TTL_MS: "30000",
  });
  await webReady(web);
  connection = createRedis(redis.url, "worker");
  // The test's own dispatcher plays the worker: it enqueues what the indexer's effects would.
  dispatcher = new Dispatcher({
    connection,
    prefix,
    db: db.handle.db,
    log: createLogger("test", "silent"),
    leaseTtlMs: 30_000,
    checkIntervalMs: 5_000,
    maxAttempts: 3,
  });
}, 180_000);

afterAll(async () => {
  await dispatcher?.close();
  connection?.disconnect();
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  artifactsDir.remove();
});

let nextBounty = 1;
async function enqueue(
  requirements = { minVramGb: 0, gpus: 0 },
  raised = "1000000",
): Promise<TrainingJobData> {
  const data: TrainingJobData = {
    chainId: 31337,
    bountyId: String(nextBounty++),
    board: "0x0000000000000000000000000000000000000b0a",
    token: "0x0000000000000000000000000000000000000707",
    specHash: `0x${"ab".repeat(32)}`,
    spec: {
      name: "a spec",
      resources: { minVramGb: requirements.minVramGb, gpus: requirements.gpus, maxTrainingMinutes: 5 },
    },
    requirements,
    raised,
    decimals: 6,
    price: 1,
    backers: 3,
    enqueuedAt: Date.now(),
  };
  await dispatcher.enqueue(data);
  return data;
}

let poolCount = 0;
async function pool(
  maxLeases = 2,
  gpu = { gpuCount: 1, vramGb: 24 },
): Promise<{ pool: PoolRow; token: string }> {
  poolCount += 1;
  return createPool(db.handle.db, {
    name: `api-pool-${poolCount}`,
    operator: "0x000000000000000000000000000000000000dEaD",
    gpuModel: "RTX 4090",
    maxLeases,
    ...gpu,
  });
}

async function call(
  path: string,
  token: string | undefined,
  body?: unknown,
  init: RequestInit = {},
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && typeof body !== "string") headers["content-type"] = "application/json";
  const response = await fetch(`${web.url}${path}`, {
    method: "POST",
    ...init,
    headers,
    body: body === undefined ? (init.body ?? null) : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function lease(token: string, waitSeconds = 0) {
  const { status, json } = await call(POOL_API.lease, token, { waitSeconds });
  return {
    status,
    lease: json?.lease as { leaseId: string; bounty: { bountyId: string } } | undefined,
    json,
  };
}

/** The fields a 400 answer names, sorted. */
function issuePaths(json: Record<string, unknown> | undefined): string[] {
  return ((json?.issues ?? []) as { path: string }[]).map((i) => i.path).sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A stand-in checkpoint for tests about leasing, not about bytes (an empty one is refused). */
const PLACEHOLDER = new Uint8Array([1]);

async function upload(token: string, leaseId: string, bytes: Uint8Array, declared = sha256(bytes)) {
  return call(POOL_API.artifact(leaseId), token, undefined, {
    method: "PUT",
    body: Buffer.from(bytes),
    headers: { [SHA256_HEADER]: declared, "content-type": "application/octet-stream" },
  });
}

describe("pool API authentication", () => {
  it("answers 401 to a missing, malformed, unknown, revoked or disabled pool's token", async () => {
    const { pool: p, token } = await pool();
    expect((await call(POOL_API.lease, undefined, {})).status).toBe(401);
    expect((await call(POOL_API.lease, "", {})).status).toBe(401);
    expect((await call(POOL_API.lease, "not-a-token", {})).status).toBe(401);
    expect((await call(POOL_API.lease, `ctp_${"x".repeat(43)}`, {})).status).toBe(401);
    const me = await call(POOL_API.me, token, undefined, { method: "GET" });
    expect(me.status).toBe(200);
    expect(me.json?.pool).toMatchObject({ name: p.name, maxLeases: 2 });

    const rotated = await rotatePoolToken(db.handle.db, p.id);
    expect((await call(POOL_API.lease, token, {})).status).toBe(401);
    expect((await call(POOL_API.lease, rotated, {})).status).toBe(204);
    await setPoolStatus(db.handle.db, p.id, "disabled");
    expect((await call(POOL_API.lease, rotated, {})).status).toBe(401);
    await setPoolStatus(db.handle.db, p.id, "active");
    await revokePoolTokens(db.handle.db, p.id);
    const refused = await call(POOL_API.lease, rotated, {});
    expect(refused.status).toBe(401);
    expect(refused.json?.error).toMatch(/revoked/);
  });
});

describe("pool API validation", () => {
  it("answers 400 naming the field for malformed bodies", async () => {
    const { token } = await pool();
    const notJson = await call(POOL_API.lease, token, "{oops", {
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json?.error).toMatch(/not valid JSON/);
    const badWait = await call(POOL_API.lease, token, { waitSeconds: "soon" });
    expect(badWait.status).toBe(400);
    expect(badWait.json?.issues).toEqual([expect.objectContaining({ path: "waitSeconds" })]);
    const tooLong = await call(POOL_API.lease, token, { waitSeconds: 3_600 });
    expect(tooLong.json?.issues).toEqual([expect.objectContaining({ path: "waitSeconds" })]);
    const unknownField = await call(POOL_API.lease, token, { waitSeconds: 0, gpu: "all" });
    expect(unknownField.status).toBe(400);

    await enqueue();
    const { lease: l } = await lease(token);
    if (!l) throw new Error("expected a lease");
    const badPercent = await call(POOL_API.heartbeat(l.leaseId), token, {
      percent: 150,
      loss: "low",
      step: 3_000_000_000,
    });
    expect(badPercent.status).toBe(400);
    expect(issuePaths(badPercent.json)).toEqual(["loss", "percent", "step"]);
    const badComplete = await call(POOL_API.complete(l.leaseId), token, {
      checkpointSha256: "xyz",
      checkpointUri: 5,
    });
    expect(issuePaths(badComplete.json)).toEqual(["checkpointSha256", "checkpointUri"]);
    const badFail = await call(POOL_API.fail(l.leaseId), token, { reason: "" });
    expect(issuePaths(badFail.json)).toEqual(["reason", "retryable"]);
    const wrongMethod = await call(POOL_API.lease, token, {}, { method: "PUT" });
    expect(wrongMethod.status).toBe(405);
    // None of that touched the lease.
    expect((await call(POOL_API.heartbeat(l.leaseId), token, { percent: 5 })).status).toBe(200);
    expect(
      (await call(POOL_API.fail(l.leaseId), token, { reason: "test over", retryable: false })).status,
    ).toBe(200);
  });
});

describe("pool API leases", () => {
  it("runs a lease end to end: heartbeat, checked upload, complete; pool B gets 403 on pool A's lease", async () => {
    const a = await pool();
    const b = await pool();
    const queued = await enqueue();
    const { status, lease: l } = await lease(a.token);
    expect(status).toBe(200);
    if (!l) throw new Error("expected a lease");
    expect(l.bounty.bountyId).toBe(queued.bountyId);

    const heartbeat = await call(POOL_API.heartbeat(l.leaseId), a.token, {
      percent: 42.5,
      step: 100,
      loss: 1.25,
    });
    expect(heartbeat.status).toBe(200);
    expect(heartbeat.json?.expiresAt).toBeGreaterThan(Date.now());
    const progress = await fetch(`${web.url}/api/bounties/${queued.bountyId}/queue`).then((r) => r.json());
    expect(progress).toMatchObject({
      state: "leased",
      leaseId: l.leaseId,
      percent: 42.5,
      step: 100,
      loss: 1.25,
    });
    // Each heartbeat is kept as a point of the training curve, in order.
    expect(
      (await call(POOL_API.heartbeat(l.leaseId), a.token, { percent: 50, step: 200, loss: 0.75 })).status,
    ).toBe(200);
    const points = await db.handle.db
      .select()
      .from(leaseProgress)
      .where(eq(leaseProgress.leaseId, l.leaseId))
      .orderBy(leaseProgress.at);
    expect(points.map((p) => [p.percent, p.step, p.loss])).toEqual([
      [42.5, 100, 1.25],
      [50, 200, 0.75],
    ]);

    const model = new Uint8Array(1_000).map((_, i) => i % 251);
    // Pool B can do nothing with pool A's lease.
    expect((await call(POOL_API.heartbeat(l.leaseId), b.token, { percent: 1 })).status).toBe(403);
    expect((await upload(b.token, l.leaseId, model)).status).toBe(403);
    expect(
      (
        await call(POOL_API.complete(l.leaseId), b.token, {
          checkpointSha256: sha256(model),
          checkpointUri: "http://x/y",
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(POOL_API.fail(l.leaseId), b.token, { reason: "mine now", retryable: false })).status,
    ).toBe(403);
    expect((await call(POOL_API.heartbeat("no-such-lease"), a.token, { percent: 1 })).status).toBe(404);

    // Uploads: the declared hash must be a sha256 and match the bytes; the size is capped.
    const badHeader = await upload(a.token, l.leaseId, model, "abc");
    expect(badHeader.status).toBe(400);
    expect(badHeader.json?.issues).toEqual([expect.objectContaining({ path: SHA256_HEADER })]);
    const mismatch = await upload(a.token, l.leaseId, model, sha256(new Uint8Array([1, 2, 3])));
    expect(mismatch.status).toBe(400);
    expect(mismatch.json?.error).toMatch(/sha256/);
    expect((await upload(a.token, l.leaseId, new Uint8Array(MAX_BYTES + 1))).status).toBe(413);
    const empty = await upload(a.token, l.leaseId, new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect(String(empty.json?.error)).toMatch(/checkpoint is empty/);
    // Not uploaded yet: completing names the missing artifact.
    const early = await call(POOL_API.complete(l.leaseId), a.token, {
      checkpointSha256: sha256(model),
      checkpointUri: `${web.url}/artifacts/${sha256(model)}`,
    });
    expect(early.status).toBe(400);
    expect(early.json?.issues).toEqual([expect.objectContaining({ path: "checkpointSha256" })]);

    const stored = await upload(a.token, l.leaseId, model);
    expect(stored.status).toBe(201);
    expect(stored.json).toMatchObject({ sha256: sha256(model), size: 1_000 });
    // Not revealed on-chain yet: only the pool that uploaded it can read it back; anyone else sees nothing.
    const uri = stored.json?.uri as string;
    expect((await fetch(uri)).status).toBe(404);
    expect((await fetch(uri, { headers: { authorization: `Bearer ${b.token}` } })).status).toBe(404);
    const served = await fetch(uri, { headers: { authorization: `Bearer ${a.token}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get("cache-control")).toBe("private, no-store");
    expect(sha256(new Uint8Array(await served.arrayBuffer()))).toBe(sha256(model));

    // One checkpoint per lease: the same bytes again (a retry after a lost answer) are answered as stored,
    // other bytes are refused.
    const again = await upload(a.token, l.leaseId, model);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ sha256: sha256(model), size: 1_000, uri: stored.json?.uri });
    const other = await upload(a.token, l.leaseId, PLACEHOLDER);
    expect(other.status).toBe(409);
    expect(other.json?.error).toMatch(/one checkpoint per lease/);
    // Completing names this lease's checkpoint, not another one in the store.
    const wrong = await call(POOL_API.complete(l.leaseId), a.token, {
      checkpointSha256: sha256(PLACEHOLDER),
      checkpointUri: `${web.url}/artifacts/${sha256(PLACEHOLDER)}`,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json?.error).toMatch(new RegExp(`this lease uploaded ${sha256(model)}`));

    const done = await call(POOL_API.complete(l.leaseId), a.token, {
      checkpointSha256: sha256(model),
      checkpointUri: stored.json?.uri,
      submissionTx: `0x${"12".repeat(32)}`,
    });
    expect(done.status).toBe(200);
    expect((await call(POOL_API.heartbeat(l.leaseId), a.token, { percent: 100 })).status).toBe(409);
    const status2 = await fetch(`${web.url}/api/bounties/${queued.bountyId}/queue`).then((r) => r.json());
    expect(status2).toMatchObject({ state: "completed" });
  });

  it("records that a pool called, job or no job (the pools page's liveness)", async () => {
    // Whatever earlier tests left waiting goes to another pool first: this one's call finds no job.
    const drain = await pool(50, { gpuCount: 8, vramGb: 200 });
    while ((await lease(drain.token)).lease);
    const p = await pool(1, { gpuCount: 8, vramGb: 200 });
    const polled = await lease(p.token);
    expect(polled.status).toBe(204); // no job for it
    await waitUntil(
      "the pool's call on record",
      async () => {
        const [row] = await db.handle.db.select().from(pools).where(eq(pools.id, p.pool.id));
        return row?.lastHeartbeatAt ? row.lastHeartbeatAt : undefined;
      },
      5_000,
    );
  });

  it("takes one upload per lease at a time: a second while the first streams is refused", async () => {
    const p = await pool(1);
    await enqueue();
    const { lease: l } = await lease(p.token);
    if (!l) throw new Error("expected a lease");
    const bytes = new Uint8Array(2_000).fill(9);
    // The first upload sends half its bytes and waits.
    const first = httpRequest(new URL(`${web.url}${POOL_API.artifact(l.leaseId)}`), {
      method: "PUT",
      headers: {
        authorization: `Bearer ${p.token}`,
        [SHA256_HEADER]: sha256(bytes),
        "content-type": "application/octet-stream",
        "content-length": String(bytes.length),
      },
    });
    const firstStatus = new Promise<number>((resolve, reject) => {
      first.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      first.on("error", reject);
    });
    first.write(Buffer.from(bytes.subarray(0, 1_000)));
    // Its claim is taken before it streams: wait until it is recorded.
    await waitUntil(
      "the first upload's claim",
      async () =>
        (await db.handle.db.select().from(artifactUploads).where(eq(artifactUploads.leaseId, l.leaseId)))
          .length > 0 || undefined,
      5_000,
    );
    const second = await upload(p.token, l.leaseId, bytes);
    expect(second.status).toBe(409);
    expect(second.json?.error).toMatch(/is under way since/);
    first.end(Buffer.from(bytes.subarray(1_000)));
    expect(await firstStatus).toBe(201);
  });

  it("holds a pool to its 24-hour upload quota, answering 429 with Retry-After", async () => {
    const q = await pool(3);
    const leaseIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      await enqueue();
      const { lease: l } = await lease(q.token);
      if (!l) throw new Error("expected a lease");
      leaseIds.push(l.leaseId);
    }
    const [first = "", second = "", third = ""] = leaseIds;
    const full = new Uint8Array(MAX_BYTES).map((_, i) => (i * 7) % 256);
    expect((await upload(q.token, first, full)).status).toBe(201);
    // 4,096 of 6,000 bytes used: 2,000 more do not fit, 1,000 do.
    const refused = await fetch(`${web.url}${POOL_API.artifact(second)}`, {
      method: "PUT",
      body: Buffer.from(new Uint8Array(2_000).fill(3)),
      headers: {
        authorization: `Bearer ${q.token}`,
        [SHA256_HEADER]: sha256(new Uint8Array(2_000).fill(3)),
        "content-type": "application/octet-stream",
      },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(86_000);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /upload quota reached: 4096 of 6000 bytes uploaded in the last 24 hours/,
    );
    // Refused before anything was stored or claimed: the lease may still upload what fits.
    expect((await upload(q.token, second, new Uint8Array(1_000).fill(4))).status).toBe(201);
    expect((await upload(q.token, third, new Uint8Array(1_000).fill(5))).status).toBe(429);
  });

  it("leases the next job in the completion when asked (next: true), and answers next: null when none waits", async () => {
    const { token } = await pool(1, { gpuCount: 8, vramGb: 80 });
    const queued = [await enqueue(), await enqueue()];
    const { lease: first } = await lease(token);
    if (!first) throw new Error("expected a lease");
    const completeWithNext = async (leaseId: string) => {
      const model = new Uint8Array(64).map(() => Math.floor(Math.random() * 256));
      const stored = await upload(token, leaseId, model);
      expect(stored.status).toBe(201);
      return call(POOL_API.complete(leaseId), token, {
        checkpointSha256: sha256(model),
        checkpointUri: stored.json?.uri,
        next: true,
      });
    };
    // A full pool (maxLeases 1) gets its next job as its completion frees the slot.
    const done = await completeWithNext(first.leaseId);
    expect(done.status).toBe(200);
    const next = leaseViewSchema.parse(done.json?.next);
    expect(next.leaseId).not.toBe(first.leaseId);
    expect(new Set([first.bounty.bountyId, next.bounty.bountyId])).toEqual(
      new Set(queued.map((q) => q.bountyId)),
    );
    expect((await call(POOL_API.heartbeat(next.leaseId), token, { percent: 5 })).status).toBe(200);
    const last = await completeWithNext(next.leaseId);
    expect(last.status).toBe(200);
    expect(last.json).toEqual({ next: null });
    // `next` must be a boolean.
    const bad = await call(POOL_API.complete(next.leaseId), token, {
      checkpointSha256: "ab".repeat(32),
      checkpointUri: "http://x/y",
      next: "yes",
    });
    expect(bad.status).toBe(400);
    expect(bad.json?.issues).toEqual([expect.objectContaining({ path: "next" })]);
  });

  it("answers 429 when the pool holds all its leases, and long-polls for the next job", async () => {
    const { token } = await pool(1, { gpuCount: 8, vramGb: 80 });
    await enqueue({ minVramGb: 80, gpus: 8 });
    const first = await lease(token);
    expect(first.status).toBe(200);
    const full = await call(POOL_API.lease, token, { waitSeconds: 0 });
    expect(full.status).toBe(429);
    expect(full.json?.error).toMatch(/1 leases/);
    await upload(token, first.lease?.leaseId as string, PLACEHOLDER);
    await call(POOL_API.complete(first.lease?.leaseId as string), token, {
      checkpointSha256: sha256(PLACEHOLDER),
      checkpointUri: "http://127.0.0.1/none",
    });

    // Nothing waits: the call holds until a job arrives.
    const started = Date.now();
    const pending = lease(token, 10);
    setTimeout(() => void enqueue({ minVramGb: 80, gpus: 8 }), 500);
    const polled = await pending;
    expect(polled.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a waiting bounty's position and estimated start as JSON", async () => {
    // A class no other pool of this file fits, so capacity is this pool's alone.
    const { token } = await pool(1, { gpuCount: 16, vramGb: 141 });
    const req = { minVramGb: 141, gpus: 16 };
    const busy = await enqueue(req, "999000000");
    expect((await lease(token)).lease?.bounty.bountyId).toBe(busy.bountyId);
    const second = await enqueue(req, "5000000");
    const third = await enqueue(req, "1000000");
    const s2 = await fetch(`${web.url}/api/bounties/${second.bountyId}/queue`).then((r) => r.json());
    const s3 = await fetch(`${web.url}/api/bounties/${third.bountyId}/queue`).then((r) => r.json());
    expect(s2, JSON.stringify(s2)).toMatchObject({ state: "waiting", position: 0, capacity: 1, busy: 1 });
    expect(s3).toMatchObject({ state: "waiting", position: 1, capacity: 1, busy: 1 });
    // The one slot is busy: the next job starts in about half a lease, the one after a lease later.
    expect(s3.meanLeaseMs).toBeGreaterThan(0);
    expect(Math.abs(s3.estimatedStartAt - s2.estimatedStartAt - s3.meanLeaseMs)).toBeLessThanOrEqual(1_000);
    expect((await fetch(`${web.url}/api/bounties/999999/queue`).then((r) => r.json())).state).toBe("none");
    expect((await fetch(`${web.url}/api/bounties/abc/queue`)).status).toBe(400);
  });
});

describe("two API processes on one Redis", () => {
  it("never lease the same job twice, nor a pool past its capacity", async () => {
    const second = await serveWeb(build, { ...web.env });
    try {
      await webReady(second);
      const servers = [web.url, second.url];
      const pools = await Promise.all([
        pool(2, { gpuCount: 2, vramGb: 48 }),
        pool(3, { gpuCount: 2, vramGb: 48 }),
        pool(1, { gpuCount: 2, vramGb: 48 }),
      ]);
      const req = { minVramGb: 48, gpus: 2 };
      const jobs = 150;
      for (let i = 0; i < jobs; i++) await enqueue(req, String(1_000_000 + i * 7_919));
      const empty = PLACEHOLDER;
      const leased: { jobId: string; server: number }[] = [];
      let refused = 0;
      // Each pool runs one more agent loop than it has slots, alternating between the two servers.
      await Promise.all(
        pools.flatMap(({ pool: p, token }) =>
          Array.from({ length: p.maxLeases + 1 }, async (_, loop) => {
            const server = (loop % 2) as 0 | 1;
            const base = servers[server] as string;
            for (let idle = 0; idle < 2; ) {
              const response = await fetch(`${base}${POOL_API.lease}`, {
                method: "POST",
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
                body: JSON.stringify({ waitSeconds: 1 }),
              });
              if (response.status === 429) {
                refused++;
                await response.body?.cancel();
                continue;
              }
              if (response.status === 204) {
                idle++;
                continue;
              }
              expect(
                response.status,
                `${await response.clone().text()} server ${server} pool ${p.name} after ${leased.length}`,
              ).toBe(200);
              const { lease: l } = (await response.json()) as { lease: { leaseId: string; jobId: string } };
              leased.push({ jobId: l.jobId, server });
              await fetch(`${base}${POOL_API.artifact(l.leaseId)}`, {
                method: "PUT",
                headers: { authorization: `Bearer ${token}`, [SHA256_HEADER]: sha256(empty) },
                body: empty,
              });
              const done = await fetch(`${base}${POOL_API.complete(l.leaseId)}`, {
                method: "POST",
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
                body: JSON.stringify({
                  checkpointSha256: sha256(empty),
                  checkpointUri: `${base}/artifacts/${sha256(empty)}`,
                }),
              });
              expect(done.status).toBe(200);
            }
          }),
        ),
      );
      expect(leased).toHaveLength(jobs);
      expect(new Set(leased.map((l) => l.jobId)).size).toBe(jobs);
      // Both processes handed out leases, and the capacity guard refused across them.
      expect(leased.filter((l) => l.server === 0).length).toBeGreaterThan(jobs / 5);
      expect(leased.filter((l) => l.server === 1).length).toBeGreaterThan(jobs / 5);
      expect(refused).toBeGreaterThan(0);
      // Every lease record is written before the call that changed it is answered: nothing to wait for.
      for (const { pool: p } of pools) {
        const rows = await db.handle.db.select().from(leases).where(eq(leases.poolId, p.id));
        expect(rows.every((r) => r.status === "completed")).toBe(true);
        expect(rows).not.toHaveLength(0);
        expect(peakConcurrency(rows)).toBeLessThanOrEqual(p.maxLeases);
      }
    } finally {
      await second.server.stop(5_000);
    }
  });
});
