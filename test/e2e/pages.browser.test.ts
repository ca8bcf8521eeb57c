/**
 * Every page of the site in Chromium, on the demo `npm run dev` seeds (five bounties in every state, a
 * disputed submission, refunds), at 1280 and 375 px wide, in light and dark mode:
 *
 * - axe-core finds no serious or critical violation (colour contrast included) in either scheme;
 * - at 375 px nothing is wider than the screen (tables scroll in their own box);
 * - the page hydrates without errors;
 * - the connect dialog (browser wallets and the dev accounts with their parts) passes the same checks.
 *
 * Screenshots of each go to .cache/screens/ (`<page>-<width>-<scheme>.png`), and the axe counts per page
 * and scheme to .cache/screens/axe.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount, DEMO_ACCOUNTS } from "../../core/dev-chain.js";
import { createPool } from "../../jobs/dispatch/index.js";
import { DEMO_BOUNTIES, DEMO_POOL, seedDemo } from "../../scripts/lib/demo-seed.js";
import { ArtifactStore } from "../../server/artifacts.js";
import {
  type AxeFindings,
  type ColorScheme,
  expectAccessible,
  launchBrowser,
  watchProblems,
} from "../setup/browser.js";
import { tempDir, waitUntil } from "../setup/fixtures.js";
import { siweSignIn } from "../setup/siwe.js";
import { type Stack, startStack } from "../setup/stack.js";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, ".cache/screens");
const WIDTHS = [
  { name: "1280", viewport: { width: 1280, height: 800 } },
  { name: "375", viewport: { width: 375, height: 740 } },
] as const;
const SCHEMES: ColorScheme[] = ["light", "dark"];
const files = tempDir("pages-artifacts");
let stack: Stack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const findings: AxeFindings[] = [];

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [stack, browser] = await Promise.all([startStack("pages"), launchBrowser()]);
  const seeded = await seedDemo({
    rpcUrl: stack.rpcUrl,
    deployment: stack.deployed.deployment,
    db: stack.db.handle.db,
    store: new ArtifactStore(files.dir),
  });
  if (!seeded.seeded) throw new Error(`the demo was not seeded: ${seeded.reason}`);
  // The demo's local pool (no agent runs it here: it shows as idle, never called).
  await createPool(stack.db.handle.db, {
    ...DEMO_POOL,
    operator: anvilAccount(DEMO_ACCOUNTS.trainer).address,
  });
  // The stack's indexer reads the seed's transactions.
  await waitUntil(
    "the demo bounties indexed",
    async () => {
      const response = await fetch(`${stack.url}/api/bounties/${DEMO_BOUNTIES.length}`);
      return response.ok && ((await response.json()) as { indexed: boolean }).indexed ? true : undefined;
    },
    60_000,
  );
}, 300_000);

afterAll(async () => {
  writeFileSync(path.join(shots, "axe.json"), `${JSON.stringify(findings, null, 2)}\n`);
  await browser?.close();
  await stack?.stop();
  files.remove();
});

/** Whether the site has this page yet (the leaderboard and account pages are being written). */
async function exists(url: string): Promise<boolean> {
  return (await fetch(`${stack.url}${url}`, { redirect: "manual" })).status !== 404;
}

/** Opens `url` at `viewport`, waits for hydration and the network to settle. */
async function open(url: string, viewport: { width: number; height: number }) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  const problems = watchProblems(page);
  await page.goto(`${stack.url}${url}`);
  await page.waitForLoadState("networkidle");
  return { page, problems };
}

/**
 * What sticks out past the right edge of the screen (nothing, at 375 px), outermost first: each element
 * wider than the viewport that is not inside a box of its own that scrolls or clips it.
 */
function tooWide(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const sticksOut = (element: Element) => element.getBoundingClientRect().right > width + 1;
    const clipped = (element: Element) => {
      for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== "visible" && !sticksOut(box)) return true;
      }
      return false;
    };
    const name = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${
        typeof element.className === "string" && element.className
          ? `.${element.className.trim().split(/\s+/).join(".")}`
          : ""
      } (${Math.round(element.getBoundingClientRect().right)} px)`;
    const offenders = [...document.querySelectorAll("body *")].filter((e) => sticksOut(e) && !clipped(e));
    return offenders
      .filter((e) => !(e.parentElement && offenders.includes(e.parentElement)))
      .slice(0, 5)
      .map(name);
  });
}

async function shoot(page: Page, name: string, width: string, scheme: ColorScheme) {
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
  await page.screenshot({ path: path.join(shots, `${name}-${width}-${scheme}.png`), fullPage: true });
}

/** The checks every page passes at both widths and in both schemes. */
async function checkPage(name: string, url: string, options: { status?: number } = {}) {
  for (const { name: width, viewport } of WIDTHS) {
    const { page, problems } = await open(url, viewport);
    if (width === "375") expect({ url, tooWide: await tooWide(page) }).toEqual({ url, tooWide: [] });
    // Colours do not change with the width: dark mode is checked (and pictured) at 1280 only.
    const schemes: ColorScheme[] = width === "375" ? ["light"] : SCHEMES;
    for (const scheme of schemes) await shoot(page, name, width, scheme);
    try {
      findings.push(
        ...(await expectAccessible(page, schemes)).map((f) => ({ ...f, url: `${url} @${width}` })),
      );
    } finally {
      await page.close();
    }
    // An error page's own status (its response, and the console's note of it) is what it is for.
    const own = (problem: string) =>
      options.status !== undefined &&
      problem.includes(`${stack.url}${url}`) &&
      problem.includes(String(options.status));
    expect(problems.filter((problem) => !own(problem))).toEqual([]);
  }
}

describe("every page, at 1280 and 375 px, light and dark", () => {
  it("public pages", async () => {
    await checkPage("home", "/");
    await checkPage("bounties", "/bounties");
    await checkPage("bounty-funded", "/bounties/1");
    await checkPage("bounty-disputed", "/bounties/3");
    await checkPage("bounty-funding", "/bounties/4");
    await checkPage("bounty-cancelled", "/bounties/5");
    await checkPage("pools", "/pools");
    await checkPage("sign-in", "/sign-in");
    await checkPage("not-found", "/bounties/999", { status: 404 });
    for (const [name, url] of [
      ["leaderboard", "/leaderboard"],
      ["account-backer", `/accounts/${anvilAccount(DEMO_ACCOUNTS.backers[0]).address}`],
      ["account-dao", `/accounts/${anvilAccount(DEMO_ACCOUNTS.daos[0]).address}`],
    ] as const) {
      if (await exists(url)) await checkPage(name, url);
    }
  });

  it("the connect dialog: browser wallets and the dev accounts, each with its part", async () => {
    for (const { name: width, viewport } of WIDTHS) {
      const { page, problems } = await open("/bounties/4", viewport);
      await page.locator("header").getByRole("button", { name: "Connect wallet" }).click();
      const dialog = page.getByRole("dialog", { name: "Connect a wallet" });
      await dialog.waitFor();
      expect(await dialog.getByRole("button", { name: "Browser wallet" }).count()).toBe(1);
      const dao = dialog.getByRole("button", { name: /^Dev account #1\b/ });
      expect(await dao.textContent()).toContain("DAO");
      expect(await dialog.getByRole("button", { name: /^Dev account #8\b/ }).textContent()).toContain(
        "trainer",
      );
      // Focus is inside the dialog, on its first choice.
      expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
      for (const scheme of SCHEMES) await shoot(page, "connect-dialog", width, scheme);
      findings.push(
        ...(await expectAccessible(page, SCHEMES)).map((f) => ({ ...f, url: `connect dialog @${width}` })),
      );
      // Escape closes it and gives focus back to the button that opened it.
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Connect wallet");
      // Connecting closes it; the header shows the short address and a disconnect.
      await page.locator("header").getByRole("button", { name: "Connect wallet" }).click();
      await dao.click();
      await dialog.waitFor({ state: "hidden" });
      const address = anvilAccount(DEMO_ACCOUNTS.daos[0]).address;
      await page
        .locator("header")
        .getByText(`Wallet ${address.slice(0, 6)}`)
        .waitFor();
      await page.locator("header").getByRole("button", { name: "Disconnect" }).click();
      await page.locator("header").getByRole("button", { name: "Connect wallet" }).waitFor();
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it("signed-in pages: propose and notifications (as a DAO)", async () => {
    const { cookie } = await siweSignIn(stack.url, anvilAccount(DEMO_ACCOUNTS.daos[0]));
    const at = cookie.indexOf("=");
    await browser.context.addCookies([
      { name: cookie.slice(0, at), value: cookie.slice(at + 1), url: stack.url },
    ]);
    await checkPage("propose", "/propose");
    await checkPage("notifications", "/notifications");
    await browser.context.clearCookies();
  });
});
