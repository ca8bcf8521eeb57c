/**
 * A DAO brings its own data, in headless Chromium against the running
 * platform (anvil, worker, indexer, web), with the dev wallet:
 *
 *   1. it proposes a classifier from a CSV file: the page splits it, shows the
 *      spec hash, the eval-set commitment and the public training part before
 *      the wallet signs, and the bounty is created and indexed;
 *   2. it proposes a character-level language model from a text corpus, with
 *      the alphabet derived from the corpus;
 *   3. a bounty on built-in demo data is marked as regenerable by anyone;
 *   4. the same import works through POST /api/eval-sets?format=csv.
 *
 * Screenshots go to .cache/propose-import/.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount } from "../../core/dev-chain.js";
import { type BountySpec, specHash } from "../../core/spec.js";
import { evalSets, specs } from "../../db/schema/index.js";
import { expectAccessible, launchBrowser, watchProblems } from "../setup/browser.js";
import { type Stack, startStack } from "../setup/stack.js";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, ".cache/propose-import");
const fixtures = path.join(root, "test/fixtures/data-import");
const DAO = 1;
let stack: Stack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // The browser first: a stack half-started when a launch fails would outlive the test.
  browser = await launchBrowser();
  stack = await startStack("propose-import");
  page = await browser.context.newPage();
  watchProblems(page, problems);
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  await shot(`failed-${context.task.name.slice(0, 40).replaceAll(/\W+/g, "-")}`, { axe: false });
  const text = await page.locator("main").textContent();
  process.stderr.write(`page ${page.url()}:\n${text}\n${problems.join("\n")}\n${stack.logs()}\n`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A screenshot of the page, after axe-core found no serious or critical violation on it (light and dark). */
async function shot(name: string, options: { axe?: boolean } = {}) {
  if (options.axe ?? true) await expectAccessible(page);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function open(url: string) {
  await page.goto(`${stack.url}${url}`);
  await page.waitForLoadState("networkidle");
}

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

/** The terms every proposal here uses. */
async function fillTerms(name: string) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Funding goal (whole tokens)").fill("500");
  // The board refuses a challenge window below its minimum (60 s on anvil): an hour is the form's smallest above it.
  await page.getByLabel("Challenge window", { exact: true }).fill("1");
}

async function storedSpec(bountyPath: string): Promise<BountySpec> {
  const bountyId = bountyPath.split("/").pop() as string;
  const response = await fetch(`${stack.url}/api/bounties/${bountyId}`);
  const { specHash: hash } = (await response.json()) as { specHash: string };
  const [row] = await stack.db.handle.db.select().from(specs).where(eq(specs.specHash, hash.toLowerCase()));
  return row?.spec as BountySpec;
}

const lines = (text: string) => text.trim().split("\n");

describe("a DAO proposes a bounty from its own data, in Chromium", () => {
  it("signs in; a CSV with a bad row is refused, naming the line, beside the file field", async () => {
    await open("/propose");
    await page.waitForURL(/\/sign-in\?next=%2Fpropose/);
    await connectAs(DAO);
    await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
    await page.waitForURL(/\/propose$/);

    await fillTerms("Flower classifier");
    await page.getByLabel("Input features").fill("4");
    await page.getByLabel("Classes").fill("3");
    const broken = readFileSync(path.join(fixtures, "flowers.csv"), "utf8").replace("\n5.9,2.3,", "\n5.9,,");
    await page.getByLabel("Data file (CSV, JSONL or text)").setInputFiles({
      name: "flowers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(broken),
    });
    await page.getByRole("button", { name: "Store and propose" }).click();
    const error = page.locator("#propose-dataFile-error");
    await error.waitFor();
    expect(await error.textContent()).toBe(
      'line 3, column "sepal_width": empty value; every feature and target is a number',
    );
    expect(problems.filter((p) => !p.includes("status of 400") && !p.startsWith("http 400"))).toEqual([]);
    problems.length = 0;
    await shot("propose-csv-error");
  });

  it("proposes a classifier from a CSV: hashes and training part shown before the wallet signs", async () => {
    await fillTerms("Flower classifier");
    await page.getByLabel("Input features").fill("4");
    await page.getByLabel("Classes").fill("3");
    await page.getByLabel("Held-out share").fill("0.25");
    await page.getByLabel("Data file (CSV, JSONL or text)").setInputFiles(path.join(fixtures, "flowers.csv"));
    // The spec names its published training part, known once stored: the preview says so.
    await page.locator("#spec-hash-preview").getByText("shown once the form is stored").waitFor();
    // Without a connected wallet the page stops at the signature, showing what will be signed.
    await page.locator("header").getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("button", { name: "Store and propose" }).click();
    const card = page.getByRole("region", { name: "Sign the proposal" });
    await card.waitFor({ timeout: 30_000 });
    await shot("propose-csv-sign");
    const hashes = (await card.locator("code").allTextContents()).filter((t) => /^0x[0-9a-f]{64}$/.test(t));
    expect(hashes).toHaveLength(2);
    const [specHashShown, commitment] = hashes as [string, string];
    const download = card.getByRole("link", { name: "Download flowers-train.csv" });
    const href = (await download.getAttribute("href")) as string;
    expect(href).toMatch(new RegExp(`^${stack.url}/artifacts/[0-9a-f]{64}$`));
    const training = await (await fetch(href)).text();
    const input = lines(readFileSync(path.join(fixtures, "flowers.csv"), "utf8"));
    expect(lines(training)[0]).toBe(input[0]);
    const trainRows = lines(training).length - 1;
    expect(await card.textContent()).toContain(`${150 - trainRows} of the 150 rows of flowers.csv`);
    expect(await card.textContent()).toContain("0 = setosa, 1 = versicolor, 2 = virginica");

    // The eval set is stored privately: the held-out rows, committed to by the commitment shown.
    const [row] = await stack.db.handle.db.select().from(evalSets).where(eq(evalSets.commitment, commitment));
    expect(row?.samples).toBe(150 - trainRows);
    expect(row?.specHash).toBe(specHashShown);

    // The card's own prompt opens the connect dialog.
    await card.getByRole("button", { name: "Connect wallet" }).click();
    await page
      .getByRole("dialog", { name: "Connect a wallet" })
      .getByRole("button", { name: /^Dev account #1\b/ })
      .click();
    await page.waitForURL(/\/bounties\/\d+$/, { timeout: 60_000 });
    await page.getByRole("heading", { level: 1, name: "Flower classifier" }).waitFor();
    const spec = await storedSpec(page.url());
    expect(specHash(spec)).toBe(specHashShown);
    expect(spec.trainingData).toEqual([
      expect.objectContaining({ uri: href, sha256: href.split("/").pop() }),
    ]);
    await page.getByRole("link", { name: href }).waitFor();
    expect(await page.getByText(/regenerable by anyone/i).count()).toBe(0);
    await shot("bounty-from-csv");
    expect(problems).toEqual([]);
  });

  it("proposes a language model from a text corpus, its alphabet taken from the corpus", async () => {
    await open("/propose");
    await fillTerms("Simple English");
    await page.getByLabel("Task").selectOption("causal-lm");
    await page.getByLabel("Context length (tokens)").fill("32");
    await page.getByLabel("Target score").fill("8");
    expect(await page.getByLabel("Alphabet (characters, each once)").inputValue()).toBe("");
    await page
      .getByLabel("Data file (CSV, JSONL or text)")
      .setInputFiles(path.join(fixtures, "sentences.txt"));
    await shot("propose-text");
    await page.getByRole("button", { name: "Store and propose" }).click();
    // The wallet is connected (the last test connected it from the card): it signs right away.
    await page.waitForURL(/\/bounties\/\d+$/, { timeout: 60_000 });
    await page.getByRole("heading", { level: 1, name: "Simple English" }).waitFor();
    const spec = await storedSpec(page.url());
    if (spec.task.type !== "causal-lm") throw new Error(`the spec is a ${spec.task.type} spec`);
    const training = await (await fetch(spec.trainingData[0]?.uri as string)).text();
    const trainChars = [...new Set(lines(training).join(""))].sort().join("");
    expect(spec.task.tokenizer.alphabet).toBe(trainChars);
    expect(spec.task.contextLength).toBe(32);
    expect(lines(training).length).toBeLessThan(240);
    expect(await page.getByText(/regenerable by anyone/i).count()).toBe(0);
    await shot("bounty-from-text");
    expect(problems).toEqual([]);
  });

  it("marks a bounty on built-in demo data as regenerable by anyone", async () => {
    await open("/propose");
    await fillTerms("Blob classifier demo");
    // The spec hash, computed in the browser as the form is typed: what the proposal freezes on-chain.
    const preview = page.locator("#spec-hash-preview");
    // Two lines: the browser submits them with CRLF, the page reads them with LF; the hash is the same.
    await page.getByLabel("Description", { exact: true }).fill("Blobs in eight dimensions.\nA demo.");
    await page.getByLabel("Name", { exact: true }).fill("");
    await preview.getByText("not yet: Name:").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Blob classifier demo");
    const previewed = await preview.locator("code").textContent();
    expect(previewed).toMatch(/^0x[0-9a-f]{64}$/);
    // No file: the default builtin:blobs data set's held-out split becomes the eval set.
    await page.getByRole("button", { name: "Store and propose" }).click();
    await page.waitForURL(/\/bounties\/\d+$/, { timeout: 60_000 });
    await page.getByRole("heading", { level: 1, name: "Blob classifier demo" }).waitFor();
    const indexed = await fetch(`${stack.url}/api/bounties/${page.url().split("/").pop()}`);
    expect(((await indexed.json()) as { specHash: string }).specHash.toLowerCase()).toBe(previewed);
    await page.getByText("Regenerable by anyone: demo only.").waitFor();
    await shot("bounty-builtin");
    expect(problems).toEqual([]);
  });

  it("imports the same CSV through POST /api/eval-sets?format=csv", async () => {
    const { csrf } = (await (await page.request.get(`${stack.url}/api/me`)).json()) as { csrf: string };
    const spec = JSON.parse(readFileSync(path.join(fixtures, "flowers.spec.json"), "utf8")) as BountySpec;
    const stored = await page.request.post(`${stack.url}/api/specs`, {
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      data: JSON.stringify(spec),
    });
    expect(stored.status()).toBe(201);
    const post = (query: string, body: Buffer) =>
      page.request.post(`${stack.url}/api/eval-sets?specHash=${specHash(spec)}&${query}`, {
        headers: { "content-type": "text/csv", "x-csrf-token": csrf },
        data: body,
      });
    const csv = readFileSync(path.join(fixtures, "flowers.csv"));
    const bad = await post("format=csv&labelColumn=colour", csv);
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /^invalid data: line 1: no column "colour"/,
    );
    const response = await post("format=csv&heldOut=0.3", csv);
    expect(response.status()).toBe(201);
    const body = (await response.json()) as {
      commitment: string;
      samples: number;
      rows: { total: number; train: number; heldOut: number };
      training: { url: string; sha256: string; rows: number };
    };
    expect(body.rows.total).toBe(150);
    expect(body.samples).toBe(body.rows.heldOut);
    expect(lines(await (await fetch(body.training.url)).text())).toHaveLength(body.training.rows + 1);
    problems.length = 0;
  });

  it("fits the propose form on a phone without horizontal overflow", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await open("/propose");
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await shot("phone-propose");
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(problems).toEqual([]);
  });
});
