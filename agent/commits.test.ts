/** The durable commit records (commits.ts): saved before the commit, found again after a restart, removed once revealed. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointCommitment } from "../core/commitment.js";
import { type CommitRecord, CommitStore, newSalt } from "./commits.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "agent-commits-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function record(fields: Partial<CommitRecord> = {}): CommitRecord {
  const trainer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const checkpointHash = `0x${"ab".repeat(32)}` as const;
  const salt = newSalt();
  return {
    chainId: 31337,
    board: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    bountyId: "3",
    trainer,
    checkpointHash,
    uri: "http://127.0.0.1:3000/artifacts/ab",
    salt,
    commitment: checkpointCommitment(checkpointHash, trainer, salt),
    createdAt: new Date().toISOString(),
    ...fields,
  };
}

describe("CommitStore", () => {
  it("keeps a record across instances (a restart) until it is removed, and leaves no temporary files", async () => {
    const dir = path.join(root, "a");
    const saved = record();
    await new CommitStore(dir).save(saved);
    const restarted = new CommitStore(dir);
    expect(await restarted.find(saved)).toEqual(saved);
    expect(await restarted.list()).toEqual([saved]);

    const committed = { ...saved, submissionId: "9", commitTx: `0x${"12".repeat(32)}` as const };
    await restarted.save(committed);
    expect(await restarted.find(saved)).toEqual(committed);
    expect(await readdir(dir)).toHaveLength(1);

    await restarted.remove(saved);
    expect(await restarted.find(saved)).toBeUndefined();
    expect(await restarted.list()).toEqual([]);
  });

  it("lists nothing when the directory does not exist yet, and one record per checkpoint", async () => {
    const store = new CommitStore(path.join(root, "b"));
    expect(await store.list()).toEqual([]);
    const first = record({ createdAt: "2026-01-01T00:00:00.000Z" });
    const second = record({ checkpointHash: `0x${"cd".repeat(32)}`, createdAt: "2026-01-01T00:00:01.000Z" });
    await store.save(second);
    await store.save(first);
    expect((await store.list()).map((r) => r.checkpointHash)).toEqual([
      first.checkpointHash,
      second.checkpointHash,
    ]);
  });

  it("draws a fresh 32-byte salt each time", () => {
    const salts = new Set(Array.from({ length: 8 }, () => newSalt()));
    expect(salts.size).toBe(8);
    for (const salt of salts) expect(salt).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
