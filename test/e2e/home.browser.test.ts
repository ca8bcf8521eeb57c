/**
 * The home page in a real Chromium: server-rendered from the database, then
 * hydrated with wagmi and TanStack Query without errors, and the wallet button
 * works client-side (with no wallet installed its dialog says so); axe-core finds
 * no serious or critical violation, in light or dark mode.
 */

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { listDeployments } from "../../jobs/deployments/registry.js";
import { createQueue, JOB, QUEUE, syncDeploymentJobId } from "../../jobs/queues.js";
import { nodeTs, startProcess, waitFor } from "../../scripts/lib/processes.js";
import { createRedis } from "../../server/redis.js";
import { expectAccessible, launchBrowser, watchProblems } from "../setup/browser.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
  uniqueId,
} from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const root = path.resolve(import.meta.dirname, "../..");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let tokenAddress: string;
const deploymentsDir = tempDir("browser-deployments");

beforeAll(async () => {
  build = buildWeb("browser-test");
  [anvil, redis, db, browser] = await Promise.all([
    startTestAnvil(),
    startTestRedis(),
    testDatabase(),
    launchBrowser(),
  ]);

  // The real path to the page: deploy, announce, the worker process projects it into the database.
  const prefix = uniqueId("test-browser");
  const env = { RPC_URL: anvil.url, REDIS_URL: redis.url, DATABASE_URL: db.url, QUEUE_PREFIX: prefix };
  const { deployment } = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: deploymentsDir.dir });
  tokenAddress = deployment.contracts.TestToken?.address ?? "";
  const connection = createRedis(redis.url, "producer");
  const queue = createQueue(QUEUE.deployments, connection, prefix);
  await queue.add(JOB.syncDeployment, deployment, { jobId: syncDeploymentJobId(deployment) });
  const worker = startProcess({
    name: "worker",
    ...nodeTs("jobs/worker.ts"),
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    onLine: () => {},
  });
  await waitFor("deployment synced", async () => {
    if ((await listDeployments(db.handle.db, 31_337)).length === 0) throw new Error("not yet");
  });
  await worker.stop();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();

  web = await serveWeb(build, env);
  await webReady(web);
});

afterAll(async () => {
  await web?.server.stop();
  await browser?.close();
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  deploymentsDir.remove();
});

describe("home page in Chromium", () => {
  it("hydrates without errors and shows the deployed contracts", async () => {
    const page = await browser.context.newPage();
    const problems = watchProblems(page);

    await page.goto(web.url);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Crowdtrain");
    const row = page.getByRole("row", { name: /TestToken/ });
    expect(await row.textContent()).toContain(tokenAddress);

    // Client-side behaviour proves hydration: with no wallet extension, connecting says so in plain words.
    await page.locator("header").getByRole("button", { name: "Connect wallet" }).click();
    const dialog = page.getByRole("dialog", { name: "Connect a wallet" });
    await dialog.getByRole("button", { name: "Browser wallet" }).click();
    const alert = dialog.getByRole("alert");
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toBe(
      "No browser wallet found. Install one (MetaMask, Rabby, …) to fund bounties.",
    );

    // The dialog passes axe too, and closes on Escape.
    await expectAccessible(page);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await expectAccessible(page);

    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(root, ".cache/home.png") });
    await page.close();
  });
});
