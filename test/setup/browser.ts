/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * with no background networking: this machine has no internet, and the tests
 * talk to loopback only. `expectAccessible` runs axe-core on a page in light and
 * dark mode.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), "crowdtrain-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Collects what a page reports going wrong: uncaught errors, console errors, and responses of 400 and
 * above (naming which request failed, where the console only says that one did), each with the page's
 * address. Tests expect it empty.
 */
export function watchProblems(page: Page, problems: string[] = []): string[] {
  page.on("pageerror", (error) => problems.push(`page: ${error.message} (on ${page.url()})`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Remix logs the AbortError of a data load that a navigation cut short (a live update still
    // reading when the test opens the next page, or one navigation replacing another): the browser
    // cancelling, not something going wrong. Chromium may append the stack after the first line.
    if (/^AbortError: signal is aborted without reason(\n|$)/.test(message.text())) return;
    // For a failed load the location is the resource's address, which the text leaves out.
    const at = message.location().url;
    problems.push(`console: ${message.text()} (on ${page.url()}${at ? `, at ${at}` : ""})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
  });
  return problems;
}

export type ColorScheme = "light" | "dark";

/** One page's axe findings in one colour scheme. */
export interface AxeFindings {
  url: string;
  scheme: ColorScheme;
  /** Violations by impact: critical, serious, moderate, minor. */
  counts: Record<string, number>;
  /** The serious and critical ones, readably (rule, impact, each failing element and why). */
  blocking: string[];
}

const BLOCKING = new Set(["serious", "critical"]);

/** Runs axe-core on the page as it is now, in `scheme`; colour contrast is judged in that scheme. */
export async function axeFindings(page: Page, scheme: ColorScheme): Promise<AxeFindings> {
  // No transitions while colours change (the stylesheet animates only under no-preference).
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
  const results = await new AxeBuilder({ page }).analyze();
  const counts: Record<string, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  const blocking: string[] = [];
  for (const violation of results.violations) {
    const impact = violation.impact ?? "minor";
    counts[impact] = (counts[impact] ?? 0) + 1;
    if (!BLOCKING.has(impact)) continue;
    const nodes = violation.nodes
      .slice(0, 8)
      .map(
        (node) =>
          `    - ${node.target.join(" ")}\n      ${(node.failureSummary ?? "").replaceAll("\n", "\n      ")}`,
      );
    const more = violation.nodes.length > 8 ? [`    … and ${violation.nodes.length - 8} more`] : [];
    blocking.push(
      [`  [${impact}] ${violation.id} (${scheme}): ${violation.help}`, ...nodes, ...more].join("\n"),
    );
  }
  return { url: page.url(), scheme, counts, blocking };
}

/**
 * Fails on any serious or critical axe-core violation on the page as it is now, in light mode (or the
 * schemes given: pages.browser.test checks every page in dark mode too), printing each failing element and why. Leaves the page in light mode. Returns
 * the findings (moderate and minor ones are counted, not failed on).
 */
export async function expectAccessible(
  page: Page,
  schemes: ColorScheme[] = ["light"],
): Promise<AxeFindings[]> {
  const findings: AxeFindings[] = [];
  for (const scheme of schemes) findings.push(await axeFindings(page, scheme));
  // Back to light without a transition, then motion as before.
  await page.emulateMedia({ colorScheme: "light", reducedMotion: "reduce" });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  await page.emulateMedia({ reducedMotion: null });
  const blocking = findings.flatMap((f) => f.blocking);
  if (blocking.length > 0) {
    throw new Error(
      `axe: ${blocking.length} serious or critical violation(s) on ${page.url()}:\n${blocking.join("\n")}`,
    );
  }
  return findings;
}
