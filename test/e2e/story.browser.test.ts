/**
 * The whole story in headless Chromium, against the running platform (anvil,
 * worker, indexer, web, a CPU pool agent), acting as people would with the dev
 * wallet:
 *
 *   1. a DAO signs in (SIWE) and proposes a bounty with its private eval set;
 *   2. two backers fund it from their wallets (an EIP-2612 permit each);
 *   3. the pool agent trains it (commit, then reveal), the evaluator publishes the score on-chain;
 *   4. once the challenge window is over the trainer finalizes it: it is Verifying;
 *   5. the DAO reveals its eval set from the page, which counts the verification period down; a backer
 *      disputes the winning score (posting the dispute bond) and the arbiter (the DAO) rejects it;
 *   6. once the period is over the payout is unlocked from the page (the keeper's job, off here), the
 *      trainer withdraws it, the bond and the rejected dispute's bond; the DAO is notified; the
 *      leaderboard shows the model;
 *   7. a second bounty misses its goal, is finalized as failed, and its backer gets a refund.
 *
 * Time passes on the chain through anvil's evm_increaseTime (the stack's keeper is off, so nothing races the
 * page's buttons); the bounty's challenge window and verification period are an hour each.
 *
 * Screenshots of the key pages go to .cache/story/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { createTestClient, erc20Abi, http } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { boardAddress, createChainClient } from "../../server/chain.js";
import { expectAccessible, launchBrowser, watchProblems } from "../setup/browser.js";
import { tempDir } from "../setup/fixtures.js";
import { STACK_TRAINER, type Stack, startStack } from "../setup/stack.js";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, ".cache/story");
const DAO = 1;
const BACKER_A = 3;
const BACKER_B = 4;
/** The first bounty's challenge window and verification period, in hours (the form's smallest). */
const PERIOD_HOURS = 1;
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
  await shot(`failed-${context.task.name.slice(0, 40).replaceAll(/\W+/g, "-")}`, { axe: false });
  const text = await page.locator("main").textContent();
  process.stderr.write(`page ${page.url()}:\n${text}\n${problems.join("\n")}\n${stack.logs()}\n`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  files.remove();
});

/** A screenshot of the page, after axe-core found no serious or critical violation on it (light and dark). */
async function shot(name: string, options: { axe?: boolean } = {}) {
  if (options.axe ?? true) await expectAccessible(page);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Connects anvil account `index` through the header's connect dialog (disconnecting whoever was connected). */
async function connectAs(index: number) {
  const header = page.locator("header");
  const disconnect = header.getByRole("button", { name: "Disconnect" });
  if (await disconnect.isVisible()) await disconnect.click();
  await header.getByRole("button", { name: "Connect wallet" }).click();
  await page
    .getByRole("dialog", { name: "Connect a wallet" })
    .getByRole("button", { name: new RegExp(`^Dev account #${index}\\b`) })
    .click();
  await header.getByText(`Wallet ${anvilAccount(index).address.slice(0, 6)}`).waitFor();
}

async function open(url: string) {
  await page.goto(`${stack.url}${url}`);
  await page.waitForLoadState("networkidle");
}

/** Moves the chain's clock `seconds` ahead and mines a block with the new time. */
async function passTime(seconds: number) {
  const testClient = createTestClient({ mode: "anvil", transport: http(stack.rpcUrl) });
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}

async function readBounty(bountyId: string) {
  return createChainClient(stack.rpcUrl).readContract({
    address: boardAddress(stack.deployed.deployment),
    abi: bountyBoardAbi,
    functionName: "getBounty",
    args: [BigInt(bountyId)],
  });
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
async function propose(name: string, goal: string, bond = "0", disputeBond = "0"): Promise<string> {
  await open("/propose");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Funding goal (whole tokens)").fill(goal);
  await page.getByLabel("Trainer bond (whole tokens)").fill(bond);
  await page.getByLabel("Dispute bond (whole tokens)").fill(disputeBond);
  await page.getByLabel("Challenge window", { exact: true }).fill(String(PERIOD_HOURS));
  await page.getByLabel("Verification period", { exact: true }).fill(String(PERIOD_HOURS));
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

    first = await propose("Blob classifier for the story", "1000", "10", "5");
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
    // Funding closes at the goal, visibly: no more money is asked for.
    await page.getByText("Funding closed at the goal").waitFor({ timeout: 30_000 });
    expect(await page.getByRole("button", { name: "Fund", exact: true }).count()).toBe(0);
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

  it("the pool agent trains it, the evaluator scores it, and after the challenge window it is finalized", async () => {
    await open(`/bounties/${first}`);
    // Training, upload, commit, reveal and evaluation, followed live on the open page.
    await page.getByRole("cell", { name: "Scored" }).waitFor({ timeout: 150_000 });
    await shot("bounty-scored");
    const scored = await readBounty(first);
    expect(scored.bestSubmissionId).not.toBe(0n);
    // Within the verdict's challenge window nobody can finalize: the button waits for it.
    await connectAs(STACK_TRAINER);
    await page.getByRole("button", { name: "Dispute (bond 5 ctUSD)" }).waitFor();
    expect(await page.getByRole("button", { name: "Finalize bounty" }).count()).toBe(0);
    await passTime(PERIOD_HOURS * 3_600 + 1);
    await open(`/bounties/${first}`);
    await page.getByRole("button", { name: "Finalize bounty" }).click();
    await page.getByText("Finalized: the outcome is on-chain.").waitFor({ timeout: 30_000 });
    // A winner: the bounty verifies before it pays (the DAO has not revealed its eval set yet).
    await page.getByText("Verifying", { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.getByText("The DAO has not revealed the eval set yet").waitFor({ timeout: 20_000 });
    expect((await readBounty(first)).status).toBe(6); // Verifying
    // No payout to withdraw yet, nor to unlock.
    await page.getByRole("button", { name: "Dispute (bond 5 ctUSD)" }).waitFor();
    expect(await page.getByRole("button", { name: /^Withdraw payout/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Unlock payout" }).count()).toBe(0);
    await shot("bounty-verifying");
  });

  it("the DAO reveals its eval set from the page, the verification period counts down, a dispute is rejected", async () => {
    // The DAO is still signed in (SIWE): the page gives the signed-in DAO what the reveal takes (its salt).
    await connectAs(DAO);
    await open(`/bounties/${first}`);
    await page.getByRole("button", { name: "Reveal eval set" }).click();
    await page
      .getByText("Eval set revealed: the verification period has started.")
      .waitFor({ timeout: 30_000 });
    await page.getByText(/The DAO revealed the eval set at/).waitFor({ timeout: 20_000 });
    const bounty = await readBounty(first);
    const unlockAt = await createChainClient(stack.rpcUrl).readContract({
      address: boardAddress(stack.deployed.deployment),
      abi: bountyBoardAbi,
      functionName: "unlockAt",
      args: [BigInt(first)],
    });
    expect(unlockAt).toBeGreaterThan(0n);
    // The page shows the chain's unlock time and the time left until then.
    await open(`/bounties/${first}`);
    const verification = page.getByRole("region", { name: "Verification period" });
    expect(
      await verification
        .locator(`time[datetime="${new Date(Number(unlockAt) * 1000).toISOString()}"]`)
        .count(),
    ).toBe(1);
    expect(await verification.textContent()).toMatch(/Payout unlocks at .*\((\d+ (d|h|min) ?)+left\)/);
    expect(await page.getByText(/verification period: payout unlocks in \d+ (h|min)/).count()).toBe(1);
    // The revealed eval set is public now, and nobody can unlock the payout before the period ends (any
    // verdict can be disputed until then).
    await page.getByRole("link", { name: "revealed: download with its salt" }).waitFor();
    await page.getByRole("button", { name: "Dispute (bond 5 ctUSD)" }).waitFor();
    expect(await page.getByRole("button", { name: "Reveal eval set" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Unlock payout" }).count()).toBe(0);
    expect(bounty.status).toBe(6);
    await shot("bounty-eval-set-revealed");

    // A backer re-runs the evaluation on the revealed set and disputes the winning score, posting the bond.
    const best = bounty.bestSubmissionId;
    await connectAs(BACKER_A);
    const beforeDispute = await tokenBalance(BACKER_A);
    await page.getByLabel("Dispute the verdict on").selectOption(String(best));
    await page.getByLabel("Why").fill("npm run verify gives a lower accuracy than the published score");
    await page.getByRole("button", { name: "Dispute (bond 5 ctUSD)" }).click();
    await page
      .getByText(`Disputed submission #${best}: the arbiter rules on it.`)
      .waitFor({ timeout: 30_000 });
    expect(beforeDispute - (await tokenBalance(BACKER_A))).toBe(5_000_000n);
    // The open dispute holds the payout back, and the page says so.
    await page.getByText(/once its 1 open dispute\(s\) are settled/).waitFor({ timeout: 20_000 });
    await page.getByRole("cell", { name: "Open", exact: true }).waitFor();
    expect((await readBounty(first)).openDisputes).toBe(1);

    // The arbiter (the DAO, by default) rules from the page within its arbitration period: the score stands.
    await connectAs(DAO);
    await open(`/bounties/${first}`);
    await page.getByLabel("Ruling").selectOption("reject");
    await page.getByLabel("Reasons").fill("Re-ran the evaluation on the revealed set: the score stands.");
    await page.getByRole("button", { name: "Resolve dispute #1" }).click();
    await page.getByText("Dispute #1 resolved.").waitFor({ timeout: 30_000 });
    await page.getByRole("cell", { name: /^Rejected/ }).waitFor({ timeout: 20_000 });
    expect((await readBounty(first)).openDisputes).toBe(0);
    await shot("bounty-dispute-rejected");
  });

  it("after the verification period the payout is unlocked, and the trainer is paid", async () => {
    await passTime(PERIOD_HOURS * 3_600 + 1);
    await open(`/bounties/${first}`);
    await connectAs(STACK_TRAINER);
    await page.getByRole("button", { name: "Unlock payout" }).click();
    await page.getByText("Payout unlocked: the bounty is fulfilled.").waitFor({ timeout: 30_000 });
    expect((await readBounty(first)).status).toBe(3); // Fulfilled
    const before = await tokenBalance(STACK_TRAINER);
    // Goal 1000 minus the 2.5% platform fee, to the connected account (the default recipient).
    await page.getByRole("button", { name: "Withdraw payout 975 ctUSD" }).click();
    await page.getByText("Withdrew 975 ctUSD.").waitFor({ timeout: 30_000 });
    expect((await tokenBalance(STACK_TRAINER)) - before).toBe(975_000_000n);
    await page.getByText("Fulfilled", { exact: true }).first().waitFor({ timeout: 20_000 });
    await shot("bounty-paid");

    // The trainer's bond (posted by the pool agent's claim) comes back once the bounty has ended.
    const beforeBond = await tokenBalance(STACK_TRAINER);
    await page.getByRole("button", { name: "Withdraw bond 10 ctUSD" }).click();
    await page.getByText("Withdrew your bond of 10 ctUSD.").waitFor({ timeout: 30_000 });
    expect((await tokenBalance(STACK_TRAINER)) - beforeBond).toBe(10_000_000n);
    // The rejected dispute's bond goes to the challenged trainer.
    const beforeDisputeBond = await tokenBalance(STACK_TRAINER);
    await page.getByRole("button", { name: "Withdraw 5 ctUSD from dispute #1" }).click();
    await page.getByText("Withdrew 5 ctUSD from dispute #1.").waitFor({ timeout: 30_000 });
    expect((await tokenBalance(STACK_TRAINER)) - beforeDisputeBond).toBe(5_000_000n);
    // The trainer's desk shows the bond returned once indexed (its history says so too, in a sentence).
    await expect
      .poll(
        async () => {
          await open(`/accounts/${anvilAccount(STACK_TRAINER).address}`);
          return page.getByRole("cell", { name: "Returned", exact: true }).count();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBe(1);

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
    await passTime(8 * 86_400);
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
