/**
 * The bounty pages in a real Chromium: the list and a bounty page hydrate
 * without errors, fit a phone-sized screen without horizontal overflow, and
 * the bounty page follows its funding live (new funding in the index shows up
 * without a reload). Screenshots go to .cache/.
 */
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bounties } from "../../db/schema/index.js";
import { hindiGptSpec } from "../../lib/spec.examples.js";
import { specHash } from "../../lib/spec.js";
import { registerSpec } from "../../lib/specs.server.js";
import { launchBrowser } from "../setup/browser.js";
import { servePglite, startTestAnvil, startTestRedis, type TestService } from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const root = path.resolve(import.meta.dirname, "../..");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: Awaited<ReturnType<typeof servePglite>>;
let web: WebServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  build = buildWeb("bounty-browser-test");
  [anvil, redis, db, browser] = await Promise.all([
    startTestAnvil(),
    startTestRedis(),
    servePglite(),
    launchBrowser(),
  ]);
  await registerSpec(db.handle.db, hindiGptSpec);
  await db.handle.db.insert(bounties).values({
    chainId: 31_337,
    bountyId: "1",
    dao: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    goal: "1000000000",
    fundingDeadline: String(Math.floor(Date.now() / 1000) + 5 * 86_400),
    deliveryDeadline: String(Math.floor(Date.now() / 1000) + 30 * 86_400),
    specHash: specHash(hindiGptSpec),
    evalSetCommitment: `0x${"bb".repeat(32)}`,
    metricId: `0x${"cc".repeat(32)}`,
    targetScore: "12000000000",
    direction: "LowerIsBetter",
    bond: "0",
    challengeWindow: 3600,
    feeBps: 250,
    status: "Funding",
    raised: "250000000",
    backerCount: 2,
    createdBlock: 1,
    createdTx: `0x${"34".repeat(32)}`,
  });
  web = await serveWeb(build, { RPC_URL: anvil.url, REDIS_URL: redis.url, DATABASE_URL: db.url });
  await webReady(web);
}, 180_000);

afterAll(async () => {
  await web?.server.stop();
  await browser?.close();
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
});

async function openPage(url: string, viewport?: { width: number; height: number }) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
  });
  await page.goto(url);
  // Hydration has run (and reported any mismatch) once the page's scripts are loaded and the network is quiet.
  await page.waitForLoadState("networkidle");
  return { page, problems };
}

describe("bounty pages in Chromium", () => {
  it("follows a bounty's funding live, without a reload", async () => {
    const { page, problems } = await openPage(`${web.url}/bounties/1`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(hindiGptSpec.name);
    expect(await page.getByText(/25% of the goal/).count()).toBe(1);
    // A backer funds (the indexer writes it): the open page shows it within its polling interval.
    await db.handle.db
      .update(bounties)
      .set({ raised: "750000000", backerCount: 3 })
      .where(and(eq(bounties.chainId, 31_337), eq(bounties.bountyId, "1")));
    await page.getByText(/75% of the goal/).waitFor({ timeout: 15_000 });
    expect(await page.getByText(/3 backers/).count()).toBe(1);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(root, ".cache/bounty.png"), fullPage: true });
    await page.close();
  });

  it("fits a phone-sized screen without horizontal overflow, with labelled controls", async () => {
    for (const url of [`${web.url}/bounties`, `${web.url}/bounties/1`, web.url]) {
      const { page, problems } = await openPage(url, { width: 375, height: 740 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ url, overflow }).toEqual({ url, overflow: 0 });
      expect(problems).toEqual([]);
      await page.screenshot({
        path: path.join(root, `.cache/phone-${new URL(url).pathname.replaceAll("/", "_") || "home"}.png`),
        fullPage: true,
      });
      await page.close();
    }
    const { page, problems } = await openPage(`${web.url}/bounties`, { width: 375, height: 740 });
    for (const label of ["Status", "Task", "Token", "DAO", "Sort by"]) {
      const control = page.getByLabel(label, { exact: true });
      await control.waitFor({ timeout: 5_000 });
      expect(await control.count(), label).toBe(1);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});
