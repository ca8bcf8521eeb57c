/**
 * The whole story in headless Chromium, against the running platform (anvil,
 * worker, indexer, web, a CPU pool agent), acting as people would with the dev
 * wallet:
 *
 *   1. a DAO signs in (SIWE) and proposes a bounty with its private eval set;
 *   2. two backers fund it from their wallets (an EIP-2612 permit each);
 *   3. the pool agent trains it, the evaluator publishes the score on-chain;
 *   4. the trainer finalizes it and withdraws the payout; the leaderboard shows the model;
 *   5. a second bounty misses its goal, is finalized as failed, and its backer gets a refund.
 *
 * Screenshots of the key pages go to .cache/story/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { createTestClient, erc20Abi, http } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createChainClient } from "../../lib/chain.server.js";
import { anvilAccount } from "../../lib/deploy.server.js";
import { blobsClassifierSpec } from "../../lib/spec.examples.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { launchBrowser, watchProblems } from "../setup/browser.js";
import { tempDir } from "../setup/fixtures.js";
import { STACK_TRAINER, type Stack, startStack } from "../setup/stack.js";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, ".cache/story");
const DAO = 1;
const BACKER_A = 3;
const BACKER_B = 4;
const files = tempDir("story-files");
let stack: Stack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  writeFileSync(path.join(files.dir, "blobs.evalset"), encodeEvalSet(heldOutSplit(blobsClassifierSpec)));
  [stack, browser] = await Promise.all([startStack("story", { poolAgent: true }), launchBrowser()]);
  page = await browser.context.newPage();
  watchProblems(page, problems);
}, 240_000);

// A failing step leaves a screenshot, the page's text and the processes' last lines.
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  await shot(`failed-${context.task.name.slice(0, 40).replaceAll(/\W+/g, "-")}`);
  const text = await page.locator("main").textContent();
  process.stderr.write(`page ${page.url()}:\n${text}\n${problems.join("\n")}\n${stack.logs()}\n`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  files.remove();
});

async function shot(name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Connects the header's wallet menu to anvil account `index` (disconnecting whoever was connected). */
async function connectAs(index: number) {
  const header = page.locator("header");
  const disconnect = header.getByRole("button", { name: "Disconnect" });
  if (await disconnect.isVisible()) await disconnect.click();
  await header.getByText("Connect wallet").click();
  await header.getByRole("button", { name: new RegExp(`^Dev account #${index}\\b`) }).click();
  await header.getByText(`Wallet ${anvilAccount(index).address.slice(0, 6)}`).waitFor();
}

async function open(url: string) {
  await page.goto(`${stack.url}${url}`);
  await page.waitForLoadState("networkidle");
}

async function tokenBalance(index: number) {
  const token = stack.deployed.deployment.contracts.TestToken?.address as `0x${string}`;
  return createChainClient(stack.rpcUrl).readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [anvilAccount(index).address],
  });
}

/** Fills the propose form (the blob classifier's defaults) and signs createBounty; resolves with the bounty id. */
async function propose(name: string, goal: string, bond = "0"): Promise<string> {
  await open("/propose");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Funding goal (whole tokens)").fill(goal);
  await page.getByLabel("Trainer bond (whole tokens)").fill(bond);
  await page.getByLabel("Challenge window (hours)").fill("0");
  await page.getByLabel("Eval-set file (CTEVAL01)").setInputFiles(path.join(files.dir, "blobs.evalset"));
  await page.getByRole("button", { name: "Store and propose" }).click();
  await page.waitForURL(/\/bounties\/\d+$/, { timeout: 60_000 });
  await page.getByRole("heading", { level: 1, name }).waitFor();
  return page.url().split("/").pop() ?? "";
}

async function fund(bountyId: string, backer: number, amount: string) {
  await open(`/bounties/${bountyId}`);
  await connectAs(backer);
  await page.getByLabel(/^Amount/).fill(amount);
  await page.getByRole("button", { name: "Fund", exact: true }).click();
  await page.getByText(`Funded ${amount} ctUSD. Thank you!`).waitFor({ timeout: 30_000 });
}

describe("the Crowdtrain story in Chromium", () => {
  let first = "";

  it("a DAO signs in and proposes a bounty; a wrong field is shown next to it", async () => {
    await open("/propose");
    // Not signed in: the page sends the DAO to sign in, and back.
    await page.waitForURL(/\/sign-in\?next=%2Fpropose/);
    await connectAs(DAO);
    await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
    await page.waitForURL(/\/propose$/);
    await shot("propose-form");

    // A bad target is refused beside its field; nothing is asked of the wallet.
    await page.getByLabel("Name", { exact: true }).fill("Blob classifier for the story");
    await page.getByLabel("Target score").fill("1.5");
    await page.getByLabel("Eval-set file (CTEVAL01)").setInputFiles(path.join(files.dir, "blobs.evalset"));
    await page.getByRole("button", { name: "Store and propose" }).click();
    await page.locator("#propose-target-error").waitFor();
    expect(await page.locator("#propose-target-error").textContent()).toMatch(
      /accuracy target lies in \[0, 1\]/,
    );
    // That refusal was a 400, which Chromium logs; nothing else may have gone wrong.
    expect(problems.filter((p) => !p.includes("status of 400") && !p.startsWith("http 400"))).toEqual([]);
    problems.length = 0;

    first = await propose("Blob classifier for the story", "1000", "10");
    expect(await page.getByText(/0% of the goal/).count()).toBe(1);
    await shot("bounty-proposed");
  });

  it("two backers fund it from their wallets, and it is funded", async () => {
    const before = await tokenBalance(BACKER_A);
    // More than the wallet holds: said before anything is signed.
    await open(`/bounties/${first}`);
    await connectAs(BACKER_A);
    await page.getByLabel(/^Amount/).fill("2000000");
    await page.getByRole("button", { name: "Fund", exact: true }).click();
    await page.getByText("Your balance is 1,000,000 ctUSD; this needs 2,000,000 ctUSD.").waitFor();
    expect(await tokenBalance(BACKER_A)).toBe(before);
    await fund(first, BACKER_A, "600");
    expect(before - (await tokenBalance(BACKER_A))).toBe(600_000_000n);
    await fund(first, BACKER_B, "400");
    // The index catches up and the page follows (it polls while the bounty is live).
    await page.getByText(/100% of the goal/).waitFor({ timeout: 30_000 });
    expect(await page.getByText(/2 backers/).count()).toBe(1);
    await shot("bounty-funded");
    // On a phone, with a wallet connected and its actions shown, nothing overflows sideways.
    await page.setViewportSize({ width: 375, height: 740 });
    for (const url of [`/bounties/${first}`, "/propose", "/pools"]) {
      await open(url);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ url, overflow }).toEqual({ url, overflow: 0 });
    }
    await shot("phone-propose");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("the pool agent trains it, the evaluator scores it, the trainer finalizes and is paid", async () => {
    await open(`/bounties/${first}`);
    // Training, upload, submission and evaluation, followed live on the open page.
    await page.getByRole("cell", { name: "Scored" }).waitFor({ timeout: 150_000 });
    await shot("bounty-scored");
    await connectAs(STACK_TRAINER);
    await page.getByRole("button", { name: "Finalize bounty" }).click();
    await page.getByText("Finalized: the outcome is on-chain.").waitFor({ timeout: 30_000 });
    const before = await tokenBalance(STACK_TRAINER);
    // Goal 1000 minus the 2.5% platform fee.
    await page.getByRole("button", { name: "Withdraw payout 975 ctUSD" }).click();
    await page.getByText("Withdrew 975 ctUSD.").waitFor({ timeout: 30_000 });
    expect((await tokenBalance(STACK_TRAINER)) - before).toBe(975_000_000n);
    await page.getByText("Fulfilled", { exact: true }).first().waitFor({ timeout: 20_000 });
    await shot("bounty-paid");

    // The trainer's bond (posted by the pool agent's claim) comes back from the dashboard.
    await open(`/trainers/${anvilAccount(STACK_TRAINER).address}`);
    await page.getByRole("button", { name: "Withdraw bond" }).click();
    await page.getByText("Bond withdrawn.").waitFor({ timeout: 30_000 });
    await page.getByRole("cell", { name: "Returned" }).waitFor({ timeout: 20_000 });

    // The DAO (still signed in) is told, in its notifications (the worker writes them once indexed).
    await expect
      .poll(
        async () => {
          await open("/");
          return page
            .locator("header")
            .getByRole("link", { name: /Notifications, [1-9]\d* unread/ })
            .count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);
    await page
      .locator("header")
      .getByRole("link", { name: /^Notifications/ })
      .click();
    await page
      .getByText(/Blob classifier for the story.* was fulfilled/)
      .first()
      .waitFor();
    await shot("notifications");

    // The leaderboard shows the model and its winner.
    await open("/");
    const fulfilled = page.getByRole("region", { name: /Recently fulfilled/i });
    await fulfilled.getByText("Blob classifier for the story").waitFor();
    await shot("home");
  });

  it("a bounty that misses its goal fails, and its backer gets a refund", async () => {
    await connectAs(DAO);
    const second = await propose("Blob classifier that misses its goal", "5000");
    await fund(second, BACKER_A, "100");
    // The funding period (7 days) passes on the chain.
    const testClient = createTestClient({ mode: "anvil", transport: http(stack.rpcUrl) });
    await testClient.increaseTime({ seconds: 8 * 86_400 });
    await testClient.mine({ blocks: 1 });
    await open(`/bounties/${second}`);
    await page.getByRole("button", { name: "Finalize bounty" }).click();
    await page.getByText("Finalized: the outcome is on-chain.").waitFor({ timeout: 30_000 });
    const before = await tokenBalance(BACKER_A);
    await page.getByRole("button", { name: "Refund 100 ctUSD" }).click();
    await page.getByText("Refunded 100 ctUSD.").waitFor({ timeout: 30_000 });
    expect((await tokenBalance(BACKER_A)) - before).toBe(100_000_000n);
    await page.getByText("Failed", { exact: true }).first().waitFor({ timeout: 20_000 });
    await shot("bounty-refunded");
  });

  it("the pool's operator signs in and rotates its token on the pools page", async () => {
    await page.locator("header").getByRole("button", { name: "Sign out" }).click();
    await page.locator("header").getByRole("link", { name: "Sign in" }).waitFor();
    await open("/sign-in?next=/pools");
    await connectAs(STACK_TRAINER);
    await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
    await page.waitForURL(/\/pools$/);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Rotate token" }).click();
    const token = (await page.locator("code.secret").textContent({ timeout: 10_000 })) ?? "";
    expect(token).toMatch(/^ctp_/);
    const me = await fetch(`${stack.url}/api/pool/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    await shot("pools");
    expect(problems).toEqual([]);
  });
});
