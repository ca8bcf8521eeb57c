/**
 * The eval-set reveal on a real server (remix build + remix-serve) with PostgreSQL: a stored eval set stays
 * private (403, its salt nowhere in the answer) while its bounty is live, and once the bounty is
 * finalized anyone can download it and check it against the on-chain commitment.
 */
import { readFile } from "node:fs/promises";
import { and, eq } from "drizzle-orm";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BountyStatus } from "../../core/board.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { bounties, type EvalSetRow } from "../../db/schema/index.js";
import { storeEvalSet } from "../../jobs/evalsets/evalsets.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet, evalSetCommitment } from "../../ml/evalset.js";
import { ArtifactStore } from "../../server/artifacts.js";
import { sha256Hex } from "../../server/hash.js";
import {
  bountyRow,
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
} from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const CHAIN_ID = 31_337;
const artifactsDir = tempDir("reveal-artifacts");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let store: ArtifactStore;
let evalSet: EvalSetRow;
let fileBytes: Uint8Array;

beforeAll(async () => {
  build = buildWeb("reveal-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    ARTIFACTS_DIR: artifactsDir.dir,
  });
  await webReady(web);

  // The DAO uploads its eval set and proposes bounty 1 with its commitment; the indexer records it.
  store = new ArtifactStore(artifactsDir.dir);
  fileBytes = encodeEvalSet(heldOutSplit(blobsClassifierSpec));
  evalSet = await storeEvalSet(db.handle.db, store, fileBytes, { spec: blobsClassifierSpec });
  await insertBounty("1", "Funded");
}, 180_000);

afterAll(async () => {
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  artifactsDir.remove();
});

async function insertBounty(bountyId: string, status: BountyStatus, commitment = evalSet.commitment) {
  await db.handle.db.insert(bounties).values(
    bountyRow({
      chainId: CHAIN_ID,
      bountyId,
      dao: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
      token: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      goal: "1000000000",
      evalSetCommitment: commitment,
      targetScore: "900000000",
      status,
      raised: "1000000000",
      backerCount: 2,
      createdBlock: 40 + Number(bountyId),
      createdTx: `0x${bountyId.padStart(64, "0")}`,
    }),
  );
}

async function setStatus(bountyId: string, status: BountyStatus) {
  await db.handle.db
    .update(bounties)
    .set({ status })
    .where(and(eq(bounties.chainId, CHAIN_ID), eq(bounties.bountyId, bountyId)));
}

async function get(path: string) {
  const response = await fetch(`${web.url}${path}`);
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: new TextDecoder().decode(body) };
}

/** Everything an answer says (status line aside): its headers and body, lowercased. */
function everything(answer: Awaited<ReturnType<typeof get>>): string {
  return [...answer.headers].flat().concat(answer.text).join("\n").toLowerCase();
}

describe("GET /eval-sets/:commitment", () => {
  it("answers 400 to a malformed commitment or format", async () => {
    for (const bad of [
      "0x1234",
      evalSet.commitment.slice(2),
      `0x${"g".repeat(64)}`,
      `${evalSet.commitment}00`,
    ]) {
      const answer = await get(`/eval-sets/${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({ error: expect.stringMatching(/64 hex digits/) });
    }
    const badFormat = await get(`/eval-sets/${evalSet.commitment}?format=xml`);
    expect(badFormat.status).toBe(400);
    expect(everything(badFormat)).not.toContain(evalSet.salt.slice(2));
  });

  it("answers 404 to a commitment no eval set has", async () => {
    const unknown = `0x${"ab".repeat(32)}`;
    const answer = await get(`/eval-sets/${unknown}`);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual({ error: expect.stringContaining(unknown) });
    expect((await get(`/eval-sets/${unknown}?format=json`)).status).toBe(404);
  });

  it("answers 403 without the salt while the bounty is live", async () => {
    for (const status of ["Funding", "Funded"] as const) {
      await setStatus("1", status);
      for (const path of [
        `/eval-sets/${evalSet.commitment}`,
        `/eval-sets/${evalSet.commitment.toUpperCase().replace("0X", "0x")}`,
        `/eval-sets/${evalSet.commitment}?format=json`,
      ]) {
        const answer = await get(path);
        expect(answer.status, `${status} ${path}`).toBe(403);
        expect(JSON.parse(answer.text)).toEqual({
          error: expect.stringMatching(/private: its DAO reveals it once the bounty is finalized/),
        });
        expect(answer.headers.get("cache-control")).toBe("no-store");
        expect(everything(answer)).not.toContain(evalSet.salt.slice(2).toLowerCase());
        expect(everything(answer)).not.toContain(evalSet.sha256);
      }
    }
  });

  it("keeps it private while any bounty with the commitment is live, even if a copy is cancelled", async () => {
    // Commitments are public on-chain: another DAO can reuse one in a bounty of its own and cancel it.
    await setStatus("1", "Funded");
    await insertBounty("2", "Cancelled");
    try {
      const answer = await get(`/eval-sets/${evalSet.commitment}?format=json`);
      expect(answer.status).toBe(403);
      expect(everything(answer)).not.toContain(evalSet.salt.slice(2).toLowerCase());
    } finally {
      await db.handle.db
        .delete(bounties)
        .where(and(eq(bounties.chainId, CHAIN_ID), eq(bounties.bountyId, "2")));
    }
  });

  it("serves the file with its salt once the bounty is fulfilled, and it matches the commitment", async () => {
    await setStatus("1", "Fulfilled");
    const answer = await get(`/eval-sets/${evalSet.commitment}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/octet-stream");
    expect(answer.headers.get("content-disposition")).toBe(
      `attachment; filename="eval-set-${evalSet.commitment.slice(2, 14)}.bin"`,
    );
    // Byte for byte, not re-encoded on the way (remix-serve gzips responses unless told not to).
    expect(answer.headers.get("content-length")).toBe(String(fileBytes.length));
    expect(answer.headers.get("content-encoding")).toBeNull();
    expect(Buffer.from(answer.body).equals(Buffer.from(fileBytes))).toBe(true);
    expect(Buffer.from(answer.body).equals(await readFile(store.path("private", evalSet.sha256)))).toBe(true);

    const salt = answer.headers.get("x-eval-set-salt") as Hex;
    const sha256 = answer.headers.get("x-eval-set-sha256");
    expect(salt).toBe(evalSet.salt);
    expect(sha256).toBe(sha256Hex(answer.body));
    expect(answer.headers.get("x-eval-set-commitment")).toBe(evalSet.commitment);
    // Anyone can now check the revealed file against the bounty's on-chain commitment.
    expect(evalSetCommitment(`0x${sha256}`, salt)).toBe(evalSet.commitment);

    const head = await fetch(`${web.url}/eval-sets/${evalSet.commitment}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(fileBytes.length));
    expect(head.headers.get("x-eval-set-salt")).toBe(evalSet.salt);
  });

  it("looks the commitment up in any case", async () => {
    await setStatus("1", "Fulfilled");
    const upper = `0x${evalSet.commitment.slice(2).toUpperCase()}`;
    const answer = await get(`/eval-sets/${upper}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-eval-set-commitment")).toBe(evalSet.commitment);
    expect(Buffer.from(answer.body).equals(Buffer.from(fileBytes))).toBe(true);
  });

  it("describes the revealed set as JSON with ?format=json, for Fulfilled, Failed and Cancelled", async () => {
    for (const status of ["Fulfilled", "Failed", "Cancelled"] as const) {
      await setStatus("1", status);
      const answer = await get(`/eval-sets/${evalSet.commitment}?format=json`);
      expect(answer.status, status).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({
        commitment: evalSet.commitment,
        sha256: evalSet.sha256,
        salt: evalSet.salt,
        bytes: fileBytes.length,
        task: "classification",
        samples: heldOutSplit(blobsClassifierSpec).count,
        download: `/eval-sets/${evalSet.commitment}`,
      });
    }
  });
});
