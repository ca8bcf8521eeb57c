/**
 * The lease records' group-committing writer on PostgreSQL: whole batches in one statement,
 * an ended record never overwritten, and a later state never erasing what an earlier one recorded.
 */
import { randomUUID } from "node:crypto";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LeaseRow, leases, type PoolRow } from "../../db/schema/index.js";
import { LeaseWriter } from "../../jobs/dispatch/lease-writer.js";
import { createPool } from "../../jobs/dispatch/pools.js";
import { type TestDb, testDatabase } from "../setup/fixtures.js";

describe("LeaseWriter", () => {
  let testDb: TestDb;
  let pool: PoolRow;

  beforeAll(async () => {
    testDb = await testDatabase();
    ({ pool } = await createPool(testDb.handle.db, {
      name: `writer-${randomUUID().slice(0, 8)}`,
      operator: "0x000000000000000000000000000000000000dEaD",
      gpuModel: "test",
      gpuCount: 1,
      vramGb: 24,
      maxLeases: 4,
    }));
  });
  afterAll(async () => {
    await testDb?.stop();
  });

  const lease = (bountyId: number, fields: Partial<LeaseRow> = {}): LeaseRow => {
    const now = Date.now();
    return {
      id: randomUUID(),
      chainId: 31337,
      bountyId: String(bountyId),
      jobId: `train-31337-${bountyId}`,
      queue: "train-v0-g0",
      poolId: pool.id,
      attempt: 1,
      status: "active",
      leasedAt: new Date(now),
      expiresAt: new Date(now + 30_000),
      endedAt: null,
      percent: null,
      step: null,
      loss: null,
      progressAt: null,
      checkpointSha256: null,
      checkpointUri: null,
      submissionTx: null,
      reason: null,
      ...fields,
    };
  };
  const read = async (ids: string[]) =>
    new Map(
      (await testDb.handle.db.select().from(leases).where(inArray(leases.id, ids))).map((r) => [r.id, r]),
    );

  it("writes rows of different shapes in one batch, and a later state never erases a recorded value", async () => {
    const writer = new LeaseWriter(testDb.handle.db);
    const progressed = lease(1, { percent: 40, step: 8, loss: 0.7, progressAt: new Date() });
    const plain = lease(2);
    await Promise.all([writer.write(progressed), writer.write(plain)]);

    // Ended by a process whose copy of the lease never saw the progress: the progress stays.
    const ended = lease(1, {
      id: progressed.id,
      status: "completed",
      endedAt: new Date(),
      checkpointSha256: "ab".repeat(32),
    });
    await Promise.all([writer.write(ended), writer.write({ ...plain, percent: 10 })]);
    const rows = await read([progressed.id, plain.id]);
    expect(rows.get(progressed.id)).toMatchObject({
      status: "completed",
      percent: 40,
      step: 8,
      loss: 0.7,
      checkpointSha256: "ab".repeat(32),
    });
    expect(rows.get(plain.id)).toMatchObject({ status: "active", percent: 10 });
  });

  it("never moves a deadline back: a start record landing after a heartbeat keeps the heartbeat's", async () => {
    const writer = new LeaseWriter(testDb.handle.db);
    const start = lease(5);
    const beat = {
      ...start,
      expiresAt: new Date(start.expiresAt.getTime() + 20_000),
      percent: 3,
      progressAt: new Date(),
    };
    await writer.write(beat); // another process recorded the first heartbeat first
    await writer.write(start);
    expect((await read([start.id])).get(start.id)).toMatchObject({
      expiresAt: beat.expiresAt,
      progressAt: beat.progressAt,
      percent: 3,
    });
  });

  it("never overwrites an ended record, whatever comes later", async () => {
    const writer = new LeaseWriter(testDb.handle.db);
    const row = lease(3);
    await writer.write({
      ...row,
      status: "expired",
      endedAt: row.expiresAt,
      reason: "heartbeat deadline passed",
    });
    await writer.write({ ...row, percent: 99 });
    await writer.write({ ...row, status: "completed", endedAt: new Date() });
    expect((await read([row.id])).get(row.id)).toMatchObject({
      status: "expired",
      percent: null,
      reason: "heartbeat deadline passed",
    });
  });

  it("records only the first ending of a lease, and tells each caller whether its state was recorded", async () => {
    const writer = new LeaseWriter(testDb.handle.db);
    const row = lease(4);
    expect(await writer.write(row)).toBe(true);
    // Two endings in one batch (racing calls in one process), then later ones (another process, a late call).
    const completed: LeaseRow = {
      ...row,
      status: "completed",
      endedAt: new Date(),
      checkpointSha256: "cd".repeat(32),
    };
    const expired: LeaseRow = {
      ...row,
      status: "expired",
      endedAt: row.expiresAt,
      reason: "heartbeat deadline passed",
    };
    expect(await Promise.all([writer.write(completed), writer.write(expired)])).toEqual([true, false]);
    expect(await writer.write({ ...row, status: "failed", endedAt: new Date(), reason: "late" })).toBe(false);
    expect(await writer.write({ ...row, percent: 50, progressAt: new Date() })).toBe(false);
    expect((await read([row.id])).get(row.id)).toMatchObject({
      status: "completed",
      checkpointSha256: "cd".repeat(32),
      reason: null,
      percent: null,
    });

    // A heartbeat and an ending in one batch: the record keeps the progress and the ending; the lease had
    // ended by the time the batch was written, so the heartbeat hears false.
    const other = lease(6);
    await writer.write(other);
    const beat = writer.write({ ...other, percent: 70, progressAt: new Date() });
    const end = writer.write({ ...other, status: "completed", endedAt: new Date() });
    expect([await beat, await end]).toEqual([false, true]);
    expect((await read([other.id])).get(other.id)).toMatchObject({ status: "completed", percent: 70 });
  });
});
