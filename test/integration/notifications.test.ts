/**
 * The notifications page against a real remix-serve, anvil (SIWE signature
 * checks, real finalizations) and Redis (nonces): two bounties a backer funded
 * fail on-chain, are indexed, and the notify job writes their notifications;
 * then
 * - signed out, /notifications redirects to sign in;
 * - the backer sees theirs (not the DAO's), newest first, each linking to its
 *   bounty, with the unread count;
 * - "mark all read" needs the session's CSRF token (403 without), refuses a
 *   malformed form (400), and marks them read;
 * - another account sees none.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount } from "../../core/dev-chain.js";
import { createLogger } from "../../core/logger.js";
import { deployContracts } from "../../jobs/deployments/deploy.js";
import { syncDeployment } from "../../jobs/deployments/sync.js";
import { notifyBountyFinalized } from "../../jobs/notifications/on-bounty-event.js";
import { createChainClient } from "../../server/chain.js";
import { boardClients, usd } from "../setup/board-activity.js";
import {
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  tempDir,
  testDatabase,
} from "../setup/fixtures.js";
import { testIndexer } from "../setup/indexer.js";
import { siweSignIn } from "../setup/siwe.js";
import { buildWeb, serveWeb, type WebBuild, type WebServer, webReady } from "../setup/web.js";

const log = createLogger("test", "silent");
const dir = tempDir("notifications");
let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;
let web: WebServer;
let older: bigint;
let newer: bigint;

const DAO = anvilAccount(1);
const BACKER = anvilAccount(3);
const STRANGER = anvilAccount(4);

beforeAll(async () => {
  build = buildWeb("notifications-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
  const deployed = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir.dir });
  await syncDeployment(deployed.deployment, { db: db.handle.db, chain: createChainClient(anvil.url), log });

  // Two bounties the backer funds that miss their goals, finalized as Failed after the funding deadline.
  const c = boardClients(anvil.url, deployed.deployment);
  await c.approveAll([BACKER]);
  older = await c.createBounty(DAO, usd(1_000), 1);
  newer = await c.createBounty(DAO, usd(1_000), 1);
  await c.send(BACKER, "fund", [older, usd(25)]);
  await c.send(BACKER, "fund", [newer, usd(40)]);
  await c.testClient.increaseTime({ seconds: 2 * 86_400 });
  await c.testClient.mine({ blocks: 1 });
  await c.send(BACKER, "finalize", [older]);
  await c.send(BACKER, "finalize", [newer]);
  await testIndexer(db.handle.db, anvil.url, deployed.deployment).catchUp();
  // The worker's notify job, one bounty after the other.
  for (const id of [older, newer]) {
    await notifyBountyFinalized(
      { chainId: 31_337, bountyId: String(id), status: "Failed" },
      { db: db.handle.db, log },
    );
  }

  web = await serveWeb(build, {
    RPC_URL: anvil.url,
    REDIS_URL: redis.url,
    DATABASE_URL: db.url,
    ARTIFACTS_DIR: path.join(dir.dir, "artifacts"),
    DEPLOYMENTS_DIR: dir.dir,
  });
  await webReady(web);
}, 180_000);

afterAll(async () => {
  await web?.server.stop(5_000);
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
  dir.remove();
});

const signIn = (account: typeof DAO) => siweSignIn(web.url, account);

const page = (cookie?: string) =>
  fetch(`${web.url}/notifications`, { headers: cookie ? { cookie } : {}, redirect: "manual" });

const post = (fields: Record<string, string>, cookie?: string) =>
  fetch(`${web.url}/notifications`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });

/** The page's list items, as text, in page order. */
function items(html: string): string[] {
  const list = html.match(/<ul aria-label="Your notifications"[^>]*>([\s\S]*?)<\/ul>/)?.[1] ?? "";
  return [...list.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => (m[1] ?? "").replace(/<[^>]+>/g, ""));
}

describe("/notifications", () => {
  it("sends a signed-out visitor to sign in, and back here afterwards", async () => {
    const response = await page();
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/sign-in?next=%2Fnotifications");
    const posted = await post({ intent: "mark-all-read", upTo: "1" });
    expect(posted.status).toBe(302);
  });

  it("shows the account's notifications, newest first, each linking to its bounty, and marks them read", async () => {
    const { cookie, csrf } = await signIn(BACKER);
    const before = await page(cookie);
    expect(before.status).toBe(200);
    expect(before.headers.get("cache-control")).toBe("private, no-store");
    const html = await before.text();
    expect(html).toContain("2 unread.");
    expect(html).toContain("<title>Notifications (2) · Crowdtrain</title>");
    expect(items(html)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^New Bounty #${newer} failed: a refund of 40 ctUSD is available to you\\. ?\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^New Bounty #${older} failed: a refund of 25 ctUSD is available to you\\.`),
      ),
    ]);
    expect(html).toContain(`href="/bounties/${newer}"`);
    expect(html).toContain(`href="/bounties/${older}"`);
    expect(html).not.toContain("did not reach its funding goal"); // the DAO's, not the backer's
    const upTo = html.match(/name="upTo" value="(\d+)"/)?.[1] ?? "";
    expect(upTo).toMatch(/^\d+$/);

    // Without the session's CSRF token, or with a forged one: 403, nothing marked.
    expect((await post({ intent: "mark-all-read", upTo }, cookie)).status).toBe(403);
    expect((await post({ csrf: "forged", intent: "mark-all-read", upTo }, cookie)).status).toBe(403);
    const malformed = await post({ csrf, intent: "mark-all-read", upTo: "latest" }, cookie);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("must be a notification id");
    expect(await (await page(cookie)).text()).toContain("2 unread.");

    const marked = await post({ csrf, intent: "mark-all-read", upTo }, cookie);
    expect(marked.status).toBe(200);
    expect(await marked.text()).toContain("Marked 2 notifications read.");
    const after = await (await page(cookie)).text();
    expect(after).toContain("Nothing unread.");
    expect(after).not.toContain("Mark all read");
    expect(items(after)).toHaveLength(2);
    expect(items(after).some((text) => text.startsWith("New "))).toBe(false);
  });

  it("keeps a webhook per account: a checked URL, a secret, rotation and removal, behind the session's CSRF token", async () => {
    const hook = (fields: Record<string, string>, cookie?: string) =>
      fetch(`${web.url}/notifications/webhook`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(fields),
      });
    const read = async (cookie: string) =>
      (await (await fetch(`${web.url}/notifications/webhook`, { headers: { cookie } })).json()) as {
        webhook: { url: string; secret: string } | null;
      };
    // Signed out: 401; without the CSRF token: 403.
    expect((await hook({ intent: "save", url: "https://hooks.example.org/x" })).status).toBe(401);
    const { cookie, csrf } = await signIn(STRANGER);
    expect((await hook({ intent: "save", url: "https://hooks.example.org/x" }, cookie)).status).toBe(403);
    expect(await read(cookie)).toEqual({ webhook: null });
    // A production server refuses plain http and the platform's own network, saying why.
    for (const [url, problem] of [
      ["http://hooks.example.org/x", "must start with https://"],
      ["https://127.0.0.1:6379/", "private or local"],
      ["https://localhost/x", "host name is local"],
      ["nope", "Enter a full URL"],
    ] as const) {
      const refused = await hook({ csrf, intent: "save", url }, cookie);
      expect(refused.status, url).toBe(400);
      expect(JSON.stringify(await refused.json()), url).toContain(problem);
    }
    expect(await read(cookie)).toEqual({ webhook: null });
    const saved = await hook({ csrf, intent: "save", url: "https://hooks.example.org/crowdtrain" }, cookie);
    expect(saved.status).toBe(200);
    const first = (await read(cookie)).webhook;
    expect(first?.url).toBe("https://hooks.example.org/crowdtrain");
    expect(first?.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await hook({ csrf, intent: "rotate-secret" }, cookie)).status).toBe(200);
    const rotated = (await read(cookie)).webhook;
    expect(rotated?.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated?.secret).not.toBe(first?.secret);
    // Another account sees nothing of it.
    expect(await read((await signIn(BACKER)).cookie)).toEqual({ webhook: null });
    expect((await hook({ csrf, intent: "remove" }, cookie)).status).toBe(200);
    expect(await read(cookie)).toEqual({ webhook: null });
    const again = await hook({ csrf, intent: "remove" }, cookie);
    expect(again.status).toBe(400);
    expect(JSON.stringify(await again.json())).toContain("no webhook to remove");
  });

  it("shows the DAO its own, and another account none", async () => {
    const dao = await signIn(DAO);
    const daoItems = items(await (await page(dao.cookie)).text());
    expect(daoItems).toHaveLength(2);
    expect(daoItems.every((text) => text.includes("did not reach its funding goal by the deadline"))).toBe(
      true,
    );
    const stranger = await signIn(STRANGER);
    const html = await (await page(stranger.cookie)).text();
    expect(html).toContain("Nothing unread.");
    expect(items(html)).toEqual([]);
    expect(html).toContain(
      "When a bounty you backed, trained or proposed is funded, trained, scored, disputed or finalized, you hear about it here.",
    );
  });
});
