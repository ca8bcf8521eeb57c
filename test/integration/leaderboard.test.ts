/**
 * The leaderboard (/leaderboard) against a real web server and a seeded index: models ranked by their
 * margin over the target (the indexer's own margins), trainers by wins, earnings and scored submissions,
 * backers by what they funded; amounts in two tokens (and one whose decimals are not indexed yet) ranked
 * by their value across tokens, never by raw base units; the task and metric filters on every board, and
 * 400 with the error next to its field on bad parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../../core/spec.examples.js";
import { type BountySpec, metricIdOf, specHash, toOnchainScore } from "../../core/spec.js";
import { backers, bounties, payments, submissions, tokens } from "../../db/schema/index.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { backfillBestMargins } from "../../jobs/indexer/index.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  testDatabase,
} from "../setup/fixtures.js";
import { buildWeb, fetchPage, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const CHAIN_ID = 31_337;
/** CTT: 6 decimals, no reference price (1 per whole token). */
const TOKEN_A = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** TKB: 9 decimals, PRICE_B per whole token. */
const TOKEN_B = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
/** A token the indexer has not read yet: no decimals, so no value. */
const TOKEN_C = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const PRICE_B = 122.5;
const DAO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
// Trainers.
const X = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const Y = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const Z = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const V = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const W = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
// Backers.
const B1 = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const B2 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
const B3 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const B4 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const B5 = "0x1111111111111111111111111111111111111111";
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;

/** A bounty of `spec` (its on-chain metric, target and direction), as the indexer stores it. */
function bountyRow(
  id: number,
  spec: BountySpec,
  fields: Partial<typeof bounties.$inferInsert>,
): typeof bounties.$inferInsert {
  return {
    chainId: CHAIN_ID,
    bountyId: String(id),
    dao: DAO,
    token: TOKEN_A,
    goal: "1000000000",
    fundingDeadline: "4000000000",
    deliveryDeadline: "4000100000",
    specHash: specHash(spec),
    evalSetCommitment: `0x${"bb".repeat(32)}`,
    metricId: metricIdOf(spec.metric.name),
    targetScore: toOnchainScore(spec.metric.target).toString(),
    direction: spec.metric.direction === "higher" ? "HigherIsBetter" : "LowerIsBetter",
    bond: "0",
    challengeWindow: 3600,
    arbiter: DAO,
    disputeBond: "0",
    revealPeriod: 3600,
    evaluationPeriod: 3600,
    verificationPeriod: 3600,
    allowOverfunding: false,
    feeBps: 250,
    status: "Funded",
    raised: "1000000000",
    backerCount: 1,
    createdBlock: id,
    createdTx: tx(id),
    ...fields,
  };
}

let log = 0;
/** The event columns of a new row (each its own log). */
const at = () => {
  log += 1;
  return {
    chainId: CHAIN_ID,
    txHash: tx(10_000 + log),
    logIndex: 0,
    blockNumber: 100 + log,
    blockHash: tx(20_000 + log),
  };
};

function submission(
  id: number,
  bountyId: number,
  trainer: string,
  verdict: "Scored" | "Disqualified" | "Pending",
  score?: string,
): typeof submissions.$inferInsert {
  return {
    ...at(),
    submissionId: String(id),
    bountyId: String(bountyId),
    trainer,
    commitment: tx(30_000 + id),
    committedAt: "1800000000",
    checkpointHash: tx(40_000 + id),
    uri: `http://example.test/artifacts/${id}`,
    revealedAt: "1800000060",
    revealTx: tx(50_000 + id),
    revealBlock: 200 + id,
    verdict,
    score: score ?? null,
  };
}

/** A backer of a bounty as the indexer sums it up from the contributions (share mints) and transfers. */
const backing = (bountyId: number, account: string, contributed: string, shares = contributed) => ({
  chainId: CHAIN_ID,
  bountyId: String(bountyId),
  account,
  contributed,
  refunded: "0",
  shares,
});

const payment = (kind: string, bountyId: number, account: string, amount: string) => ({
  ...at(),
  kind,
  bountyId: String(bountyId),
  account,
  amount,
  recipient: kind === "revenue_deposit" ? null : account,
});

beforeAll(async () => {
  build = buildWeb("leaderboard-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  const d = db.handle.db;
  for (const spec of [blobsClassifierSpec, hindiGptSpec, linearRegressionSpec]) await registerSpec(d, spec);
  const token = (address: string, symbol: string, decimals: number) => ({
    chainId: CHAIN_ID,
    token: address,
    allowed: true,
    blockNumber: 1,
    symbol,
    name: `Token ${symbol}`,
    decimals,
    indexedAt: new Date(),
  });
  await d.insert(tokens).values([token(TOKEN_A, "CTT", 6), token(TOKEN_B, "TKB", 9)]);
  // Best scores as the indexer stores them; their margins are left to the indexer's own formula below.
  const best = (submissionId: number, score: string) => ({
    bestSubmissionId: String(submissionId),
    bestScore: score,
  });
  await d.insert(bounties).values([
    // Accuracy 0.95 against 0.9: 50% of the way to 1.
    bountyRow(1, blobsClassifierSpec, { status: "Fulfilled", ...best(11, "950000000") }),
    // Perplexity 11.024105568 against 13: (13 - 11.024…) / (13 - 1) ≈ 16.5%; still open.
    bountyRow(2, hindiGptSpec, { token: TOKEN_B, ...best(21, "11024105568") }),
    // Mse 0.0125 against 0.05: 75% of the way to 0; finalized, in verification.
    bountyRow(3, linearRegressionSpec, { status: "Verifying", ...best(31, "12500000") }),
    // Accuracy 0.91: 10%.
    bountyRow(4, blobsClassifierSpec, { token: TOKEN_B, status: "Fulfilled", ...best(41, "910000000") }),
    bountyRow(5, blobsClassifierSpec, { status: "Funding" }),
    // Scored below the target only: no best, no model.
    bountyRow(6, blobsClassifierSpec, {}),
    // Accuracy 0.92: 20%.
    bountyRow(7, blobsClassifierSpec, { token: TOKEN_B, status: "Fulfilled", ...best(71, "920000000") }),
    // Accuracy 0.97: 70%.
    bountyRow(8, blobsClassifierSpec, { status: "Fulfilled", ...best(81, "970000000") }),
    bountyRow(9, blobsClassifierSpec, { token: TOKEN_C, status: "Funding" }),
  ]);
  await backfillBestMargins(d, CHAIN_ID);
  await d.insert(submissions).values([
    submission(11, 1, X, "Scored", "950000000"),
    // The same trainer as the indexer might spell it in another event: grouped case-insensitively.
    submission(12, 1, X.toLowerCase(), "Scored", "930000000"),
    submission(13, 1, X, "Disqualified"),
    submission(21, 2, Y, "Scored", "11024105568"),
    submission(31, 3, Y, "Scored", "12500000"),
    submission(41, 4, Z, "Scored", "910000000"),
    submission(61, 6, Y, "Scored", "850000000"),
    submission(62, 6, Y, "Scored", "860000000"),
    // Only a pending submission: not on the trainers' board.
    submission(63, 6, W, "Pending"),
    submission(71, 7, X, "Scored", "920000000"),
    submission(81, 8, V, "Scored", "970000000"),
  ]);
  // Payouts: X 975.5 CTT + 1 TKB (1,098), Z 10 TKB (1,225: the most base units by far), V 1,500 CTT.
  // Other kinds of payment are not earnings.
  await d
    .insert(payments)
    .values([
      payment("payout", 1, X, "975500000"),
      payment("payout", 7, X, "1000000000"),
      payment("payout", 4, Z, "10000000000"),
      payment("payout", 8, V, "1500000000"),
      payment("bond_return", 6, Y, "900000000000"),
    ]);
  // What each account contributed to each bounty: B1 600 CTT + 1 TKB (722.5), B2 3 TKB (367.5), B3 400 +
  // 100 + 300 CTT (800), B4 1 TKB to one bounty (122.5; its address spelt two ways by two events),
  // B5 10^24 base units of the unread token C (no value yet). An account that was only given shares is
  // no backer.
  await d
    .insert(backers)
    .values([
      backing(1, B1, "600000000"),
      backing(2, B1, "1000000000"),
      backing(4, B2, "3000000000"),
      backing(3, B3, "400000000"),
      backing(5, B3, "100000000"),
      backing(8, B3, "300000000"),
      backing(7, B4, "500000000"),
      backing(7, B4.toLowerCase(), "500000000"),
      backing(9, B5, "1000000000000000000000000"),
      backing(1, "0x2222222222222222222222222222222222222222", "0", "100000000"),
    ]);
  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    TOKEN_PRICES: `${TOKEN_B}=${PRICE_B}`,
  });
  await webReady(web);
}, 180_000);

afterAll(async () => {
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
});

const get = (path: string) => fetchPage(web, path);

/** The part of a page from a section's heading to the end of its section. */
const section = (html: string, id: string) =>
  html.slice(html.indexOf(`id="${id}"`)).split("</section>")[0] ?? "";
/** A section's table body as rows of cell texts (tags and React's text separators removed). */
const cells = (html: string) =>
  (html.split("<tbody>")[1]?.split("</tbody>")[0] ?? "")
    .split("</tr>")
    .filter((row) => row.includes("<td"))
    .map((row) =>
      [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) =>
        (m[1] ?? "")
          .replaceAll("<!-- -->", "")
          .replace(/<[^>]+>/g, "")
          .replaceAll("&amp;", "&")
          .trim(),
      ),
    );
const bountyIds = (html: string) => [...html.matchAll(/href="\/bounties\/(\d+)"/g)].map((m) => Number(m[1]));
const accounts = (html: string) =>
  [...html.matchAll(/href="\/accounts\/(0x[0-9a-fA-F]{40})"/g)].map((m) => m[1]);
const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

describe("the leaderboard", () => {
  it("ranks each bounty's best model by its margin over the target, whatever the metric", async () => {
    const page = await get("/leaderboard");
    expect(page.status, web.lines.join("\n")).toBe(200);
    expect(page.html).toContain("<title>Leaderboard · Crowdtrain</title>");
    const models = section(page.html, "models-heading");
    expect(models).toContain('<div class="table-scroll"><table>');
    expect(models).toContain('<th scope="col">Margin</th>');
    expect(cells(models)).toEqual([
      [
        "1. Linear regressor",
        "regression",
        "mse",
        "0.0125",
        "≤ 0.05",
        "75%",
        short(Y),
        "Verifying",
        "best, in verification",
      ],
      [
        "2. Blob classifier",
        "classification",
        "accuracy",
        "0.97",
        "≥ 0.9",
        "70%",
        short(V),
        "Fulfilled",
        "won",
      ],
      [
        "3. Blob classifier",
        "classification",
        "accuracy",
        "0.95",
        "≥ 0.9",
        "50%",
        short(X),
        "Fulfilled",
        "won",
      ],
      [
        "4. Blob classifier",
        "classification",
        "accuracy",
        "0.92",
        "≥ 0.9",
        "20%",
        short(X),
        "Fulfilled",
        "won",
      ],
      [
        "5. Hindi GPT (char-level)",
        "causal-lm",
        "perplexity",
        "11.02",
        "≤ 13",
        "16.5%",
        short(Y),
        "Funded",
        "leading, open",
      ],
      [
        "6. Blob classifier",
        "classification",
        "accuracy",
        "0.91",
        "≥ 0.9",
        "10%",
        short(Z),
        "Fulfilled",
        "won",
      ],
    ]);
    expect(bountyIds(models)).toEqual([3, 8, 1, 7, 2, 4]);
    expect(accounts(models)).toEqual([Y, V, X, X, Y, Z]);
    // The exact on-chain value is a hover away.
    expect(models).toContain('title="11.024105568"');
  });

  it("ranks trainers by wins, earnings across tokens and scored submissions", async () => {
    const page = await get("/leaderboard");
    const trainers = section(page.html, "trainers-heading");
    // Wins; ties (V and Z, one each) by earnings' value: V's 1,500 CTT before Z's 10 TKB (1,225), though Z
    // has far more base units. W, with only a pending submission, is not on the board.
    expect(cells(trainers)).toEqual([
      [`1. ${short(X)}`, "2", "975.5 CTT + 1 TKB", "1,098", "3"],
      [`2. ${short(V)}`, "1", "1,500 CTT", "1,500", "1"],
      [`3. ${short(Z)}`, "1", "10 TKB", "1,225", "1"],
      [`4. ${short(Y)}`, "0", "—", "0", "4"],
    ]);
    expect(accounts(trainers)).toEqual([X, V, Z, Y]);
    const byEarnings = section((await get("/leaderboard?trainers=earnings")).html, "trainers-heading");
    expect(accounts(byEarnings)).toEqual([V, Z, X, Y]);
    const byScored = section((await get("/leaderboard?trainers=scored")).html, "trainers-heading");
    expect(accounts(byScored)).toEqual([Y, X, V, Z]);
  });

  it("ranks backers by the value of their public contributions across tokens", async () => {
    const page = await get("/leaderboard");
    const backers = section(page.html, "backers-heading");
    expect(backers).toContain("These are public on-chain contributions");
    // By value (raw base units would put B5, then B2, first); B5's token has no decimals yet: last, unvalued.
    expect(cells(backers)).toEqual([
      [`1. ${short(B3)}`, "800 CTT", "800", "3"],
      [`2. ${short(B1)}`, "600 CTT + 1 TKB", "722.5", "2"],
      [`3. ${short(B2)}`, "3 TKB", "367.5", "1"],
      [`4. ${short(B4)}`, "1 TKB", "122.5", "1"],
      [`5. ${short(B5)}`, "1000000000000000000000000 base units", "—", "1"],
    ]);
    expect(accounts(backers)).toEqual([B3, B1, B2, B4, B5]);
  });

  it("filters every board by task and by metric", async () => {
    const classification = await get("/leaderboard?task=classification");
    expect(classification.status).toBe(200);
    expect(bountyIds(section(classification.html, "models-heading"))).toEqual([8, 1, 7, 4]);
    // Y's classification submissions are #61 and #62; the others' are all classification.
    expect(cells(section(classification.html, "trainers-heading"))).toEqual([
      [`1. ${short(X)}`, "2", "975.5 CTT + 1 TKB", "1,098", "3"],
      [`2. ${short(V)}`, "1", "1,500 CTT", "1,500", "1"],
      [`3. ${short(Z)}`, "1", "10 TKB", "1,225", "1"],
      [`4. ${short(Y)}`, "0", "—", "0", "2"],
    ]);
    // B1's 600 CTT on #1 (its TKB went to the Hindi bounty) now beats B3's 400 (#5 and #8).
    expect(cells(section(classification.html, "backers-heading"))).toEqual([
      [`1. ${short(B1)}`, "600 CTT", "600", "1"],
      [`2. ${short(B3)}`, "400 CTT", "400", "2"],
      [`3. ${short(B2)}`, "3 TKB", "367.5", "1"],
      [`4. ${short(B4)}`, "1 TKB", "122.5", "1"],
      [`5. ${short(B5)}`, "1000000000000000000000000 base units", "—", "1"],
    ]);

    const regression = await get("/leaderboard?task=regression&metric=mse");
    expect(bountyIds(section(regression.html, "models-heading"))).toEqual([3]);
    expect(accounts(section(regression.html, "trainers-heading"))).toEqual([Y]);
    expect(cells(section(regression.html, "backers-heading"))).toEqual([
      [`1. ${short(B3)}`, "400 CTT", "400", "1"],
    ]);
    // The form keeps what was chosen.
    expect(regression.html).toMatch(/<option selected="">mse<\/option>|<option value="mse" selected="">/);

    const perplexity = await get("/leaderboard?metric=perplexity");
    expect(bountyIds(section(perplexity.html, "models-heading"))).toEqual([2]);
    expect(cells(section(perplexity.html, "trainers-heading"))).toEqual([
      [`1. ${short(Y)}`, "0", "—", "0", "1"],
    ]);
    expect(accounts(section(perplexity.html, "backers-heading"))).toEqual([B1]);

    // Nothing scored by mae: every board says so.
    const none = await get("/leaderboard?metric=mae");
    expect(none.status).toBe(200);
    expect(none.html.replaceAll("<!-- -->", "")).toContain("No scored model yet for these filters.");
    expect(none.html.replaceAll("<!-- -->", "")).toContain(
      "No trainer has a scored submission yet for these filters.",
    );
    expect(none.html.replaceAll("<!-- -->", "")).toContain("No contribution yet for these filters.");
    expect(bountyIds(none.html)).toEqual([]);
  });

  it("answers bad parameters with 400 and the error next to its field", async () => {
    const bad = await get("/leaderboard?task=vision&trainers=fame");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("task must be one of classification, regression, causal-lm");
    expect(bad.html).toContain("trainers must be ranked by one of wins, earnings, scored");
    expect(bad.html).toContain('aria-describedby="e-task"');
    expect(bad.html).not.toContain('id="models-heading"');

    const mismatched = await get("/leaderboard?task=causal-lm&metric=accuracy");
    expect(mismatched.status).toBe(400);
    expect(mismatched.html).toContain(
      "a causal-lm bounty is scored by perplexity or bits_per_token, not accuracy",
    );
    expect(mismatched.html).toContain('aria-describedby="e-metric"');

    expect((await get("/leaderboard?metric=bleu")).status).toBe(400);
    // An untouched form field sends an empty value: not a filter.
    const empty = await get("/leaderboard?task=&metric=&trainers=");
    expect(empty.status).toBe(200);
    expect(bountyIds(section(empty.html, "models-heading"))).toEqual([3, 8, 1, 7, 2, 4]);
  });
});
