/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * with no background networking: this machine has no internet, and the tests
 * talk to loopback only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
