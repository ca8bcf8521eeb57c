/**
 * The account page against a real web server and a seeded index: a backer's positions (shares, what they
 * are worth, refundable, claimable revenue replayed exactly from deposits, claims and share moves), a
 * trainer's payouts and bonds, a DAO's roles and desk (reveal state, revenue, disputes), an arbiter's
 * disputes, the history with its transactions and its pages; 400 for a bad address or cursor, and the old
 * /trainers/ address redirecting here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOARD_ROLES } from "../../core/board.js";
import {
  backers,
  boardEvents,
  bounties,
  claims,
  disputes,
  payments,
  roles,
  shareTransfers,
  submissions,
  tokens,
} from "../../db/schema/index.js";
import {
  bountyRow,
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  testDatabase,
} from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const CHAIN_ID = 31_337;
const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ZERO = "0x0000000000000000000000000000000000000000";
const DAO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BACKER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const OTHER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const TRAINER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const BACKER_B = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const ARBITER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
/** An account with more history than a page holds. */
const BUSY = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
/** CTT: 6 decimals. */
const ctt = (whole: number) => String(whole * 1_000_000);
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const NOW_S = Math.floor(Date.now() / 1000);

let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;

/** One board event and the rows the indexer derives from it, at block `n`. */
let block = 100;
function at() {
  block += 1;
  return {
    chainId: CHAIN_ID,
    txHash: tx(block),
    logIndex: 0,
    blockNumber: block,
    blockHash: tx(50_000 + block),
  };
}

beforeAll(async () => {
  build = buildWeb("accounts-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  const d = db.handle.db;
  await d.insert(tokens).values({
    chainId: CHAIN_ID,
    token: TOKEN,
    allowed: true,
    blockNumber: 1,
    symbol: "CTT",
    name: "Token CTT",
    decimals: 6,
    indexedAt: new Date(),
  });
  await d.insert(roles).values({
    chainId: CHAIN_ID,
    role: BOARD_ROLES.DAO_ROLE,
    account: DAO,
    granted: true,
    blockNumber: 1,
  });
  // #1 Funding (raised 250, the backer's 100 of it); #2 Failed (the backer's 50 refundable); #3 Fulfilled,
  // won by the trainer, arbitrated by ARBITER, with revenue; #4 Verifying with an open dispute and its eval
  // set due.
  await d.insert(bounties).values([
    bountyRow({ bountyId: "1", raised: ctt(250), createdBlock: 10 }),
    bountyRow({
      bountyId: "2",
      raised: ctt(50),
      status: "Failed",
      finalizedAt: String(NOW_S - 900),
      createdBlock: 11,
    }),
    bountyRow({
      bountyId: "3",
      goal: ctt(100),
      raised: ctt(100),
      status: "Fulfilled",
      arbiter: ARBITER,
      bestSubmissionId: "1",
      bestScore: "900000",
      finalizedAt: String(NOW_S - 9_000),
      evalSetRevealedAt: String(NOW_S - 8_000),
      payout: ctt(97.5),
      fee: ctt(2.5),
      createdBlock: 12,
    }),
    bountyRow({
      bountyId: "4",
      raised: ctt(1000),
      status: "Verifying",
      arbiter: ARBITER,
      finalizedAt: String(NOW_S - 600),
      revealPeriod: 3_600,
      openDisputes: 1,
      createdBlock: 13,
    }),
  ]);
  const events: (typeof boardEvents.$inferInsert)[] = [];
  const moves: (typeof shareTransfers.$inferInsert)[] = [];
  const pay: (typeof payments.$inferInsert)[] = [];
  const event = (eventName: string, bountyId: string | null, args: Record<string, unknown>) => {
    const where = at();
    events.push({ ...where, eventName, bountyId, args });
    return where;
  };
  const move = (bountyId: string, from: string, to: string, amount: string) => {
    const where = event("Transfer", bountyId, {
      caller: from === ZERO ? to : from,
      sender: from,
      receiver: to,
      id: bountyId,
      amount,
    });
    moves.push({ ...where, bountyId, from, to, amount });
  };
  event("BountyCreated", "1", { bountyId: "1", dao: DAO, token: TOKEN, params: { arbiter: DAO } });
  move("1", ZERO, BACKER, ctt(100));
  event("BountyCreated", "2", { bountyId: "2", dao: DAO, token: TOKEN, params: { arbiter: DAO } });
  move("2", ZERO, BACKER, ctt(50));
  event("BountyCreated", "3", { bountyId: "3", dao: DAO, token: TOKEN, params: { arbiter: ARBITER } });
  move("3", ZERO, BACKER, ctt(60));
  move("3", ZERO, BACKER_B, ctt(40));
  // The backer sends 10 shares on before the revenue comes in, and gets 5 back after it.
  move("3", BACKER, OTHER, ctt(10));
  const deposit = event("RevenueDeposited", "3", {
    bountyId: "3",
    from: DAO,
    amount: ctt(100),
    // 100 CTT over 100 shares: 1 base unit per share, scaled by 1e27.
    revenuePerShare: (10n ** 27n).toString(),
  });
  pay.push({ ...deposit, kind: "revenue_deposit", bountyId: "3", account: DAO, amount: ctt(100) });
  const claim = event("RevenueClaimed", "3", { bountyId: "3", account: BACKER, to: BACKER, amount: ctt(20) });
  pay.push({
    ...claim,
    kind: "revenue_claim",
    bountyId: "3",
    account: BACKER,
    amount: ctt(20),
    recipient: BACKER,
  });
  move("3", OTHER, BACKER, ctt(5));
  event("BountyCreated", "4", { bountyId: "4", dao: DAO, token: TOKEN, params: { arbiter: ARBITER } });
  const opened = event("DisputeOpened", "4", {
    disputeId: "1",
    bountyId: "4",
    submissionId: "2",
    disputer: OTHER,
    bond: ctt(5),
    deadline: String(NOW_S + 86_400),
  });
  for (let i = 0; i < 30; i++) move("1", ZERO, BUSY, ctt(1));
  await d.insert(boardEvents).values(events);
  await d.insert(shareTransfers).values(moves);
  await d.insert(payments).values(pay);
  await d.insert(backers).values([
    {
      chainId: CHAIN_ID,
      bountyId: "1",
      account: BACKER,
      contributed: ctt(100),
      refunded: "0",
      shares: ctt(100),
    },
    { chainId: CHAIN_ID, bountyId: "1", account: BUSY, contributed: ctt(30), refunded: "0", shares: ctt(30) },
    {
      chainId: CHAIN_ID,
      bountyId: "2",
      account: BACKER,
      contributed: ctt(50),
      refunded: "0",
      shares: ctt(50),
    },
    {
      chainId: CHAIN_ID,
      bountyId: "3",
      account: BACKER,
      contributed: ctt(60),
      refunded: "0",
      shares: ctt(55),
    },
    { chainId: CHAIN_ID, bountyId: "3", account: OTHER, contributed: "0", refunded: "0", shares: ctt(5) },
    {
      chainId: CHAIN_ID,
      bountyId: "3",
      account: BACKER_B,
      contributed: ctt(40),
      refunded: "0",
      shares: ctt(40),
    },
  ]);
  await d.insert(disputes).values({
    ...opened,
    disputeId: "1",
    bountyId: "4",
    submissionId: "2",
    disputer: OTHER,
    bond: ctt(5),
    reasonHash: tx(777),
    openedAt: String(NOW_S - 60),
    deadline: String(NOW_S + 86_400),
    outcome: "Open",
    reward: "0",
    withdrawn: false,
  });
  // The trainer's claim on #3 (bond posted) and its winning submission.
  await d
    .insert(claims)
    .values({ ...at(), bountyId: "3", trainer: TRAINER, bond: ctt(5), bondState: "Posted" });
  await d.insert(submissions).values({
    ...at(),
    submissionId: "1",
    bountyId: "3",
    trainer: TRAINER,
    commitment: tx(8001),
    committedAt: String(NOW_S - 20_000),
    verdict: "Scored",
    score: "900000000",
  });
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
  // React's text separators out, so text reads as a person sees it.
  return { status: response.status, html: (await response.text()).replaceAll("<!-- -->", "") };
}
/** The section headed by `id`. */
const section = (html: string, id: string) =>
  html.slice(html.indexOf(`id="${id}"`)).split("</section>")[0] ?? "";
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replaceAll("&amp;", "&")
    .replaceAll("&#x27;", "'")
    .trim();
/** A table's body rows as the text of their cells. */
const rows = (html: string) =>
  [...(html.split("<tbody>")[1] ?? "").matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] ?? "").matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((cell) => text(cell[1] ?? "")),
  );

describe("an account's positions", () => {
  it("shows shares, value, refundable and claimable revenue per bounty, in whole tokens", async () => {
    const page = await get(`/accounts/${BACKER.toLowerCase()}`);
    expect(page.status, web.lines.join("\n")).toBe(200);
    expect(page.html).toContain("<title>Account 0x90F7…b906 · Crowdtrain</title>");
    expect(page.html).toMatch(/<h1>Account <code>0x90F7…b906<\/code><\/h1>/);
    // Newest bounty first. The columns: bounty, status, shares, contributed, value, refundable, revenue.
    expect(rows(section(page.html, "positions-heading")).map((r) => r.slice(0, 7))).toEqual([
      // 55 of 100 shares after sending 10 and getting 5 back. Revenue: 50 shares held at the 100 CTT deposit
      // earned 50 CTT, 20 of them claimed; the 5 that came back later earned the sender's, not this one's.
      [
        "Bounty #3",
        "Fulfilled",
        "55 shares (55% of all)",
        "60 CTT",
        "55% of its revenue",
        "—",
        "30 CTT (20 CTT claimed)",
      ],
      ["Bounty #2", "Failed", "50 shares (100% of all)", "50 CTT", "50 CTT", "50 CTT", "0 CTT"],
      ["Bounty #1", "Funding", "100 shares (40% of all)", "100 CTT", "100 CTT in escrow", "—", "0 CTT"],
    ]);
    // Actions are the connected owner's, in the browser: none in the server's page.
    expect(page.html).not.toContain("Claim revenue");
    expect(page.html).not.toContain("Transfer shares");
  });

  it("keeps revenue earned with the holder at the deposit, whatever moved since", async () => {
    // OTHER held 10 shares at the deposit (10 CTT), and has sent 5 back since.
    const other = await get(`/accounts/${OTHER}`);
    expect(rows(section(other.html, "positions-heading"))[0]?.slice(0, 7)).toEqual([
      "Bounty #3",
      "Fulfilled",
      "5 shares (5% of all)",
      "0 CTT",
      "5% of its revenue",
      "—",
      "10 CTT",
    ]);
    const b = await get(`/accounts/${BACKER_B}`);
    expect(rows(section(b.html, "positions-heading"))[0]?.[6]).toBe("40 CTT");
  });
});

describe("a trainer's payouts and bonds", () => {
  it("shows the won payout waiting to be withdrawn, the claim's bond and the submission", async () => {
    const page = await get(`/accounts/${TRAINER}`);
    expect(page.status).toBe(200);
    expect(rows(section(page.html, "payouts-heading"))).toEqual([
      ["Bounty #3", "97.5 CTT", "Ready to withdraw"],
    ]);
    const bonds = section(page.html, "bonds-heading");
    expect(rows(bonds.split("<h3>Submissions</h3>")[0] ?? "")).toEqual([
      ["#3", "Fulfilled", "5 CTT", "Posted", ""],
    ]);
    expect(rows(bonds.split("<h3>Submissions</h3>")[1] ?? "")).toEqual([
      ["1", "#3", "0.9 best", "Scored", "—"],
    ]);
    expect(text(section(page.html, "positions-heading"))).toContain("No shares in any bounty.");
  });
});

describe("a DAO's desk", () => {
  it("shows its role, its proposals with reveal state and revenue, and the disputes awaiting their arbiter", async () => {
    const page = await get(`/accounts/${DAO}`);
    expect(page.status).toBe(200);
    const rolesText = text(section(page.html, "roles-heading"));
    expect(rolesText).toContain("DAO: may propose bounties");
    expect(rolesText).toContain("DAO of #4, #3, #2, #1");
    expect(rolesText).toContain("Arbiter of #2, #1");
    const desk = rows(section(page.html, "dao-heading"));
    expect(desk.map((r) => [r[0], r[1], r[2], r[4], r[5]])).toEqual([
      ["Bounty #4", "Verifying", "1,000 CTT of 1,000 CTT", "0 CTT", "1"],
      ["Bounty #3", "Fulfilled", "100 CTT of 100 CTT", "100 CTT", "0"],
      ["Bounty #2", "Failed", "50 CTT of 1,000 CTT", "0 CTT", "0"],
      ["Bounty #1", "Funding", "250 CTT of 1,000 CTT", "0 CTT", "0"],
    ]);
    // The eval set: due a reveal period after finalization, revealed, not revealed, private until finalized.
    expect(desk[0]?.[3]).toMatch(/^Due by \d{4}-\d\d-\d\d \d\d:\d\d UTC \(reveal it on the bounty page\)$/);
    expect(desk[1]?.[3]).toMatch(/^Revealed \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(desk[2]?.[3]).toBe("Not revealed");
    expect(desk[3]?.[3]).toBe("Private until the bounty is finalized");
    // The open dispute of its bounty #4, which ARBITER rules on.
    expect(rows(section(page.html, "disputes-heading")).map((r) => r.slice(0, 6))).toEqual([
      ["#1", "Bounty #4", "#2", "0x15d3…6A65", "5 CTT", "0x14dC…9955"],
    ]);
  });

  it("tells the arbiter the disputes it must rule on", async () => {
    const page = await get(`/accounts/${ARBITER}`);
    expect(text(section(page.html, "roles-heading"))).toContain("Arbiter of #4, #3");
    expect(page.html).not.toContain('id="dao-heading"');
    const [dispute] = rows(section(page.html, "disputes-heading"));
    expect(dispute?.slice(0, 6)).toEqual([
      "#1",
      "Bounty #4",
      "#2",
      "0x15d3…6A65",
      "5 CTT",
      "This account: rule on it",
    ]);
  });
});

describe("an account's history", () => {
  it("lists the events naming it, newest first, in words, each with its transaction", async () => {
    const page = await get(`/accounts/${BACKER}`);
    const history = section(page.html, "history-heading");
    expect(rows(history).map((r) => [r[1], r[2]])).toEqual([
      ["Received 5 shares of bounty #3 from 0x15d3…6A65", "#3"],
      ["Claimed 20 CTT of revenue", "#3"],
      ["Sent 10 shares of bounty #3 to 0x15d3…6A65", "#3"],
      ["Funded bounty #3 with 60 CTT: 60 shares minted", "#3"],
      ["Funded bounty #2 with 50 CTT: 50 shares minted", "#2"],
      ["Funded bounty #1 with 100 CTT: 100 shares minted", "#1"],
    ]);
    // Each row links its transaction (to the platform's /tx/ page: no block explorer is configured here).
    const links = [...history.matchAll(/href="\/tx\/(0x[0-9a-f]{64})"/g)].map((m) => m[1]);
    expect(links).toEqual(rows(history).map((r) => tx(Number(r[0]))));
    // Plain words only: no raw payment kinds or event names, in the page or in its data.
    expect(page.html).not.toMatch(/revenue_claim|revenue_deposit|RevenueClaimed|RevenueDeposited/);
  });

  it("pages through a long history, 25 rows at a time", async () => {
    const first = await get(`/accounts/${BUSY}`);
    const firstRows = rows(section(first.html, "history-heading"));
    expect(firstRows).toHaveLength(25);
    const older = /href="(\/accounts\/0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f\?before=\d+:\d+)"/.exec(
      first.html,
    )?.[1];
    expect(older).toBeDefined();
    const second = await get(older as string);
    const secondRows = rows(section(second.html, "history-heading"));
    expect(secondRows).toHaveLength(5);
    // Together: 30 distinct blocks, newest first.
    const blocks = [...firstRows, ...secondRows].map((r) => Number(r[0]));
    expect(new Set(blocks).size).toBe(30);
    expect([...blocks].sort((a, b) => b - a)).toEqual(blocks);
    expect(second.html).not.toContain("Older →");
    expect(second.html).toContain("← Newest");
  });
});

describe("bad addresses and old links", () => {
  it("answers 400 with a message for a bad address or history cursor", async () => {
    for (const path of ["/accounts/0x123", "/accounts/not-an-address", `/accounts/${"0x".padEnd(42, "g")}`]) {
      const page = await get(path);
      expect({ path, status: page.status }).toEqual({ path, status: 400 });
      expect(page.html).toContain("An account address is 0x followed by 40 hexadecimal characters.");
    }
    const cursor = await get(`/accounts/${BACKER}?before=yesterday`);
    expect(cursor.status).toBe(400);
    expect(cursor.html).toContain("before is a place in the history");
  });

  it("redirects /trainers/:address to /accounts/:address (301)", async () => {
    const response = await fetch(`${web.url}/trainers/${TRAINER}?before=5:0`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(decodeURIComponent(response.headers.get("location") ?? "")).toBe(
      `/accounts/${TRAINER}?before=5:0`,
    );
    const followed = await get(`/trainers/${TRAINER}`);
    expect(followed.status).toBe(200);
    expect(followed.html).toContain("<title>Account 0x9965…A4dc · Crowdtrain</title>");
    expect((await get("/trainers/0x123")).status).toBe(400);
  });
});
