/**
 * The bounty pages in a real Chromium: the list and a bounty page hydrate
 * without errors, fit a phone-sized screen without horizontal overflow, and
 * the bounty page follows its funding live (new funding in the index shows up
 * without a reload); and a browser wallet on another chain is told so and
 * switched (on the sign-in page). axe-core finds no serious or critical
 * violation on any of them, in light or dark mode. Screenshots go to .cache/.
 */
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hindiGptSpec } from "../../core/spec.examples.js";
import { specHash } from "../../core/spec.js";
import { bounties } from "../../db/schema/index.js";
import { registerSpec } from "../../jobs/bounties/specs.js";
import { expectAccessible, launchBrowser, watchProblems } from "../setup/browser.js";
import {
  bountyRow,
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  testDatabase,
} from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const root = path.resolve(import.meta.dirname, "../..");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  build = buildWeb("bounty-browser-test");
  [anvil, redis, db, browser] = await Promise.all([
    startTestAnvil(),
    startTestRedis(),
    testDatabase(),
    launchBrowser(),
  ]);
  await registerSpec(db.handle.db, hindiGptSpec);
  await db.handle.db.insert(bounties).values(
    bountyRow({
      bountyId: "1",
      fundingDeadline: String(Math.floor(Date.now() / 1000) + 5 * 86_400),
      deliveryDeadline: String(Math.floor(Date.now() / 1000) + 30 * 86_400),
      specHash: specHash(hindiGptSpec),
      targetScore: "12000000000",
      direction: "LowerIsBetter",
      backerCount: 2,
      createdBlock: 1,
    }),
  );
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
  const problems = watchProblems(page);
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
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(root, ".cache/bounty.png"), fullPage: true });
    await page.close();
  });

  it("tells a browser wallet on the wrong network so, and switches it to the platform's chain", async () => {
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    // A minimal EIP-1193 wallet, as an extension would inject it: on mainnet until asked to switch; what it
    // does not answer itself it forwards to anvil (reads only: this test signs nothing).
    await page.addInitScript(
      ({ rpcUrl, account }) => {
        let chainId = "0x1";
        const listeners = new Map<string, Set<(value: unknown) => void>>();
        const emit = (event: string, value: unknown) => {
          for (const listener of listeners.get(event) ?? []) listener(value);
        };
        const switches: string[] = [];
        Object.assign(window, {
          walletSwitches: switches,
          ethereum: {
            async request({ method, params }: { method: string; params?: unknown[] }) {
              if (method === "eth_chainId") return chainId;
              if (method === "eth_accounts" || method === "eth_requestAccounts") return [account];
              if (method === "wallet_switchEthereumChain") {
                const [{ chainId: wanted }] = params as [{ chainId: string }];
                switches.push(wanted);
                chainId = wanted;
                setTimeout(() => emit("chainChanged", wanted), 0);
                return null;
              }
              const response = await fetch(rpcUrl, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
              });
              const body = (await response.json()) as { result?: unknown; error?: { message: string } };
              if (body.error) throw new Error(body.error.message);
              return body.result;
            },
            on(event: string, listener: (value: unknown) => void) {
              if (!listeners.has(event)) listeners.set(event, new Set());
              listeners.get(event)?.add(listener);
            },
            removeListener(event: string, listener: (value: unknown) => void) {
              listeners.get(event)?.delete(listener);
            },
          },
        });
      },
      { rpcUrl: anvil.url, account: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" },
    );
    await page.goto(`${web.url}/sign-in`);
    await page.waitForLoadState("networkidle");
    await page.getByRole("main").getByRole("button", { name: "Connect wallet" }).click();
    await page
      .getByRole("dialog", { name: "Connect a wallet" })
      .getByRole("button", { name: "Browser wallet" })
      .click();
    const guard = page.getByRole("alert").filter({ hasText: "Your wallet is on chain 1" });
    await guard.waitFor({ timeout: 10_000 });
    expect(await guard.textContent()).toContain("this platform runs on Anvil (local)");
    await page.screenshot({ path: path.join(root, ".cache/wrong-network.png"), fullPage: true });
    await expectAccessible(page);
    await guard.getByRole("button", { name: "Switch network" }).click();
    await guard.waitFor({ state: "detached", timeout: 10_000 });
    expect(
      await page.evaluate(() => (window as unknown as { walletSwitches: string[] }).walletSwitches),
    ).toEqual(["0x7a69"]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("fits a phone-sized screen without horizontal overflow, with labelled controls", async () => {
    for (const url of [`${web.url}/bounties`, `${web.url}/bounties/1`, web.url]) {
      const { page, problems } = await openPage(url, { width: 375, height: 740 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ url, overflow }).toEqual({ url, overflow: 0 });
      await expectAccessible(page);
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
