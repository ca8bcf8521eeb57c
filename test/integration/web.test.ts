/**
 * The Remix server as a real process (remix build + remix-serve) against real
 * services: the home page renders what the database holds, /healthz reports
 * each dependency, and a stopped Redis turns it into a 503 naming Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthReport } from "../../app/utils/health.server.js";
import { bounties, deployments, indexerState } from "../../db/schema/index.js";
import {
  bountyRow,
  startTestAnvil,
  startTestRedis,
  type TestDb,
  type TestService,
  testDatabase,
} from "../setup/fixtures.js";
import { buildWeb, serveWeb, type WebBuild, webReady } from "../setup/web.js";

let build: WebBuild;
let anvil: TestService;
let redis: TestService;
let db: TestDb;

beforeAll(async () => {
  build = buildWeb("web-test");
  [anvil, redis, db] = await Promise.all([startTestAnvil(), startTestRedis(), testDatabase()]);
});

afterAll(async () => {
  await Promise.all([anvil?.stop(), redis?.stop(), db?.stop()]);
  build?.remove();
});

const serve = (env: Record<string, string>) => serveWeb(build, env);
async function health(url: string): Promise<{ status: number; body: HealthReport }> {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as HealthReport };
}

describe("the web server", () => {
  it("renders the home page from the database and reports healthy dependencies", async () => {
    await db.handle.db.insert(deployments).values({
      chainId: 31_337,
      name: "TestToken",
      address: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      txHash: `0x${"12".repeat(32)}`,
      blockNumber: 42,
      deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
      deployedAt: new Date(),
    });
    await db.handle.db
      .insert(bounties)
      .values(bountyRow({ bountyId: "7", status: "Funded", raised: "1250000000" }));
    await db.handle.db.insert(indexerState).values({ chainId: 31_337, board: "0x00", cursor: 57 });
    const web = await serve({ RPC_URL: anvil.url, REDIS_URL: redis.url, DATABASE_URL: db.url });
    try {
      await webReady(web);
      const page = await fetch(web.url);
      expect(page.status, web.lines.join("\n")).toBe(200);
      const html = await page.text();
      expect(html).toContain("<h1>Crowdtrain</h1>");
      expect(html).toContain("0x5fbdb2315678afecb367f032d93f642f64180aa3");
      expect(html).toMatch(/<td>42<\/td>/);
      // The indexed projection: the top-funded leaderboard and how far the indexer has read.
      expect(html).toContain("#<!-- -->7");
      expect(html).toContain("1250000000");
      expect(html).toMatch(/Indexed through block (<!-- -->)?57/);
      // Only whitelisted configuration is sent to the browser.
      expect(html).not.toContain(redis.url);
      expect(html).not.toContain(db.url);

      // The icon browsers ask for by its old name leads to the one the pages name.
      const icon = await fetch(`${web.url}/favicon.ico`, { redirect: "manual" });
      expect(icon.status).toBe(301);
      expect(icon.headers.get("location")).toBe("/favicon.svg");
      const svg = await fetch(new URL("/favicon.svg", web.url));
      expect(svg.status).toBe(200);
      expect(svg.headers.get("content-type")).toContain("image/svg+xml");

      const { status, body } = await health(web.url);
      expect(status).toBe(200);
      expect(body.status).toBe("ok");
      expect(body.failing).toEqual([]);
      expect(body.checks.chain.detail).toMatchObject({ chainId: 31_337 });

      // SIGTERM: the server closes its connections and exits by itself, not by SIGKILL.
      await web.server.stop(20_000);
      expect(await web.server.exited).toBe(0);
    } finally {
      await web.server.stop();
    }
  });

  it("answers 503 naming Redis when the Redis it uses stops", async () => {
    const ownRedis = await startTestRedis();
    const web = await serve({ RPC_URL: anvil.url, REDIS_URL: ownRedis.url, DATABASE_URL: db.url });
    try {
      await webReady(web);
      expect((await health(web.url)).status).toBe(200);
      await ownRedis.stop();
      const { status, body } = await health(web.url);
      expect(status).toBe(503);
      expect(body.status).toBe("unavailable");
      expect(body.failing).toEqual(["redis"]);
      expect(body.checks.redis.error).toBeTruthy();
      expect(body.checks.db.ok).toBe(true);
      expect(body.checks.chain.ok).toBe(true);
    } finally {
      await web.server.stop();
      await ownRedis.stop();
    }
  });

  it("answers 503 naming the database, then the chain, when they stop", async () => {
    const [ownDb, ownAnvil] = await Promise.all([testDatabase(), startTestAnvil()]);
    const web = await serveWeb(build, {
      RPC_URL: ownAnvil.url,
      REDIS_URL: redis.url,
      DATABASE_URL: ownDb.url,
    });
    try {
      await webReady(web);
      expect((await health(web.url)).status).toBe(200);

      await ownDb.stop();
      const dbDown = await health(web.url);
      expect(dbDown.status).toBe(503);
      expect(dbDown.body.failing).toEqual(["db"]);
      expect(dbDown.body.checks.db.error).toBeTruthy();

      await ownAnvil.stop();
      const bothDown = await health(web.url);
      expect(bothDown.status).toBe(503);
      expect(bothDown.body.failing).toEqual(["db", "chain"]);
      expect(bothDown.body.checks.redis.ok).toBe(true);
    } finally {
      await web.server.stop();
      await Promise.all([ownDb.stop(), ownAnvil.stop()]);
    }
  });

  it("answers 503 naming the chain when the RPC serves another chain id", async () => {
    const web = await serve({
      RPC_URL: anvil.url,
      REDIS_URL: redis.url,
      DATABASE_URL: db.url,
      CHAIN_ID: "1",
    });
    try {
      await webReady(web);
      const { status, body } = await health(web.url);
      expect(status).toBe(503);
      expect(body.failing).toEqual(["chain"]);
      expect(body.checks.chain.error).toBe("RPC serves chain 31337, configured CHAIN_ID is 1");
    } finally {
      await web.server.stop();
    }
  });

  it("refuses to start without DATABASE_URL: the web server and workers share one database", async () => {
    const web = await serveWeb(build, { RPC_URL: anvil.url, REDIS_URL: redis.url });
    expect(await web.server.exited).toBe(1);
    expect(web.lines.join("\n")).toContain("DATABASE_URL: is required for the web server and workers");
  });

  it("refuses to start with bad configuration, naming the variable", async () => {
    const web = await serve({ RPC_URL: "ftp://nowhere", DATABASE_URL: db.url });
    expect(await web.server.exited).toBe(1);
    const output = web.lines.join("\n");
    expect(output).toContain("REDIS_URL: is required");
    expect(output).toMatch(/RPC_URL: must use http:\/\/ or https:\/\/ or ws:\/\/ or wss:\/\//);
  });
});
