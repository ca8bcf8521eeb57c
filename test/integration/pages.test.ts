/**
 * The read-side pages against a real remix-serve and a seeded index: the
 * bounty list (filters, sorting, server-side pagination, 400 with field errors
 * on bad input) and the bounty page (spec, funding, submissions with copy
 * flags and report links, the timeline with its transactions; 400 and 404).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boardEvents, bounties, evaluationRuns, submissions } from "../../db/schema/index.js";
import { blobsClassifierSpec, hindiGptSpec } from "../../lib/spec.examples.js";
import { specHash } from "../../lib/spec.js";
import { registerSpec } from "../../lib/specs.server.js";
import { servePglite, startTestAnvil, startTestRedis, type TestService } from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const CHAIN_ID = 31_337;
const TOKEN_A = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TOKEN_B = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const DAO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: Awaited<ReturnType<typeof servePglite>>;
let web: WebServer;

function bountyRow(
  id: number,
  fields: Partial<typeof bounties.$inferInsert> = {},
): typeof bounties.$inferInsert {
  return {
    chainId: CHAIN_ID,
    bountyId: String(id),
    dao: DAO,
    token: TOKEN_A,
    goal: "1000000000",
    fundingDeadline: "4000000000",
    deliveryDeadline: "4000100000",
    specHash: specHash(blobsClassifierSpec),
    evalSetCommitment: `0x${"bb".repeat(32)}`,
    metricId: `0x${"cc".repeat(32)}`,
    targetScore: "900000000",
    direction: "HigherIsBetter",
    bond: "0",
    challengeWindow: 3600,
    feeBps: 250,
    status: "Funding",
    raised: String(id * 10_000_000),
    backerCount: id % 7,
    createdBlock: id,
    createdTx: tx(id),
    ...fields,
  };
}

beforeAll(async () => {
  build = buildWeb("pages-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), servePglite()]);
  const d = db.handle.db;
  await registerSpec(d, blobsClassifierSpec);
  await registerSpec(d, hindiGptSpec);
  // 25 classification bounties in Funding, then a Hindi GPT bounty funded and trained, on token B.
  await d.insert(bounties).values(Array.from({ length: 25 }, (_, i) => bountyRow(i + 1)));
  await d.insert(bounties).values(
    bountyRow(26, {
      specHash: specHash(hindiGptSpec),
      token: TOKEN_B,
      status: "Funded",
      raised: "2000000000",
      direction: "LowerIsBetter",
      backerCount: 40,
    }),
  );
  const event = (n: number, eventName: string, args: Record<string, unknown>) => ({
    chainId: CHAIN_ID,
    txHash: tx(1000 + n),
    logIndex: 0,
    blockNumber: 100 + n,
    blockHash: tx(5000 + n),
    eventName,
    bountyId: "26",
    args,
  });
  await d
    .insert(boardEvents)
    .values([
      event(1, "BountyCreated", {}),
      event(2, "Contributed", { amount: "2000000000" }),
      event(3, "BountyFunded", { raised: "2000000000" }),
      event(4, "CheckpointSubmitted", { submissionId: "1" }),
      event(5, "CheckpointSubmitted", { submissionId: "2" }),
      event(6, "EvaluationPublished", { submissionId: "1" }),
      event(7, "SubmissionDisqualified", { submissionId: "2" }),
    ]);
  const submission = (id: number, fields: Partial<typeof submissions.$inferInsert>) => ({
    chainId: CHAIN_ID,
    txHash: tx(1003 + id),
    logIndex: 0,
    blockNumber: 103 + id,
    blockHash: tx(5003 + id),
    submissionId: String(id),
    bountyId: "26",
    trainer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    checkpointHash: tx(9000 + id),
    uri: `http://example.test/artifacts/${id}`,
    submittedAt: "1800000000",
    verdict: "Pending",
    ...fields,
  });
  await d
    .insert(submissions)
    .values([
      submission(1, { verdict: "Scored", score: "11024105568" }),
      submission(2, { verdict: "Disqualified" }),
    ]);
  await d.insert(evaluationRuns).values([
    {
      chainId: CHAIN_ID,
      submissionId: "1",
      bountyId: "26",
      outcome: "scored",
      reportSha256: "ab".repeat(32),
    },
    {
      chainId: CHAIN_ID,
      submissionId: "2",
      bountyId: "26",
      outcome: "copy",
      copyOf: "1",
      reportSha256: "cd".repeat(32),
    },
  ]);
  web = await serveWeb(build, { RPC_URL: anvil.url, REDIS_URL: redis.url, DATABASE_URL: db.url });
  await webReady(web);
}, 180_000);

afterAll(async () => {
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
});

async function get(path: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${web.url}${path}`);
  return { status: response.status, html: await response.text() };
}
/** Bounty ids linked from a list page, in order. */
const linkedIds = (html: string) => [...html.matchAll(/href="\/bounties\/(\d+)"/g)].map((m) => Number(m[1]));

describe("the bounty list", () => {
  it("pages through every bounty, most funded first, 20 to a page", async () => {
    const first = await get("/bounties");
    expect(first.status, web.lines.join("\n")).toBe(200);
    expect(first.html).toMatch(/26(<!-- -->)? (<!-- -->)?bounties/);
    expect(linkedIds(first.html)).toEqual([26, ...Array.from({ length: 19 }, (_, i) => 25 - i)]);
    expect(first.html).toMatch(/Page (<!-- -->)?1(<!-- -->)? of (<!-- -->)?2/);
    expect(first.html).toContain('href="/bounties?page=2"');
    const second = await get("/bounties?page=2");
    expect(linkedIds(second.html)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it("filters by status, task, token and DAO, and sorts", async () => {
    expect(linkedIds((await get("/bounties?status=Funded")).html)).toEqual([26]);
    expect(linkedIds((await get("/bounties?task=causal-lm")).html)).toEqual([26]);
    expect(linkedIds((await get(`/bounties?token=${TOKEN_B.toLowerCase()}`)).html)).toEqual([26]);
    expect(linkedIds((await get(`/bounties?dao=${DAO}&status=Failed`)).html)).toEqual([]);
    expect(linkedIds((await get("/bounties?sort=newest")).html).slice(0, 3)).toEqual([26, 25, 24]);
    // Backers: 40 for #26, then id % 7 = 6 for #20, #13, #6 (ties: the most funded first).
    expect(linkedIds((await get("/bounties?sort=backers")).html).slice(0, 4)).toEqual([26, 20, 13, 6]);
    // An untouched form field sends an empty value: not a filter.
    expect(linkedIds((await get("/bounties?status=&task=&token=&dao=")).html)).toHaveLength(20);
  });

  it("answers bad filters with 400 and the error next to its field", async () => {
    const bad = await get("/bounties?status=Sleeping&token=0x123&page=0");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("status must be one of Funding, Funded, Fulfilled, Failed, Cancelled");
    expect(bad.html).toContain("must be a 0x-prefixed 20-byte address");
    expect(bad.html).toContain("page starts at 1");
    expect(bad.html).toContain('aria-describedby="e-token"');
  });
});

describe("the bounty page", () => {
  it("shows the spec, funding, submissions with copy flags and reports, and the timeline", async () => {
    const page = await get("/bounties/26");
    expect(page.status, web.lines.join("\n")).toBe(200);
    expect(page.html).toContain(hindiGptSpec.name);
    expect(page.html).toContain("perplexity");
    expect(page.html).toMatch(/100(<!-- -->)?% of the goal/);
    expect(page.html).toContain("11.024105568");
    expect(page.html).toMatch(/copy of #(<!-- -->)?1/);
    expect(page.html).toContain(`href="/artifacts/${"ab".repeat(32)}"`);
    // Every on-chain step with its transaction, in order; contributions are not steps.
    const steps = [...page.html.matchAll(/<strong>(\w+)<\/strong> (<!-- -->)?(\w+)/g)].map(
      (m) => `${m[1]} ${m[3]}`,
    );
    expect(steps).toEqual([
      "proposed BountyCreated",
      "funded BountyFunded",
      "checkpoint CheckpointSubmitted",
      "checkpoint CheckpointSubmitted",
      "evaluated EvaluationPublished",
      "evaluated SubmissionDisqualified",
    ]);
    expect(page.html).toContain(`title="${tx(1003)}"`);
    // Not finalized: the eval set is private.
    expect(page.html).toContain("private until finalized");
  });

  it("answers 400 for a malformed id and 404 for an unknown bounty", async () => {
    expect((await get("/bounties/abc")).status).toBe(400);
    expect((await get("/bounties/0")).status).toBe(400);
    const missing = await get("/bounties/999");
    expect(missing.status).toBe(404);
  });
});
