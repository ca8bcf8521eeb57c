/**
 * `npm run dev` as a newcomer runs it: from nothing to a healthy platform
 * with its demo (seeded bounties in the index, the Hindi GPT bounty trained by
 * the local pool agent, its checkpoint committed then revealed, and scored
 * on-chain), a clear refusal for a second
 * instance, Ctrl-C (SIGINT) leaving no process behind, a restart that
 * finds its chain and database where it left them, and a clear refusal of a
 * data directory from the PGlite days.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import type { HealthReport } from "../../app/utils/health.server.js";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS, enumValue } from "../../core/board.js";
import { anvilAccount } from "../../core/dev-chain.js";
import { hindiGptSpec } from "../../core/spec.examples.js";
import { specHash } from "../../core/spec.js";
import { openDb } from "../../db/client.js";
import { submissions } from "../../db/schema/index.js";
import { boardClients } from "../../scripts/lib/board-client.js";
import { DEMO_ACCOUNTS, DEMO_BOUNTIES } from "../../scripts/lib/demo-seed.js";
import { readDevServices } from "../../scripts/lib/dev-services.js";
import {
  freePort,
  isAlive,
  type ManagedProcess,
  nodeTs,
  startProcess,
  waitFor,
} from "../../scripts/lib/processes.js";
import { boardAddress, createChainClient, deploymentSchema } from "../../server/chain.js";
import { tempDir } from "../setup/fixtures.js";

const root = path.resolve(import.meta.dirname, "../..");
const data = tempDir("dev-e2e");
// As root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter the (0700) temp dir.
chmodSync(data.dir, 0o755);
const buildDir = `.cache/dev-test-${process.pid}`;

afterAll(() => {
  data.remove();
  rmSync(path.join(root, buildDir), { recursive: true, force: true });
});

/** Every process descended from `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** `npm run dev` with `env`; with `ownBuild`, remix dev builds where dev chooses (not this test's build). */
function startDev(
  env: Record<string, string>,
  lines: string[],
  options: { ownBuild?: boolean } = {},
): ManagedProcess {
  return startProcess({
    name: "dev",
    ...nodeTs("scripts/dev.ts"),
    cwd: root,
    // No RPC_URL, REDIS_URL or DATABASE_URL: the embedded defaults, as on a fresh machine.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(!options.ownBuild && { REMIX_BUILD_DIR: buildDir }),
      ...env,
    },
    onLine: (line) => lines.push(line),
  });
}

/** Waits for the start-up banner; on failure, the error carries dev's last output. */
async function running(dev: ManagedProcess, lines: string[]) {
  try {
    await waitFor(
      "dev start-up",
      async () => {
        if (!lines.some((l) => l.includes("Crowdtrain is running"))) throw new Error("no banner yet");
      },
      { process: dev, timeoutMs: 150_000, intervalMs: 500 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- dev output ---\n${lines.slice(-15).join("\n")}`);
  }
}

describe("npm run dev", () => {
  const env: Record<string, string> = {
    DEV_DATA_DIR: path.join(data.dir, "data"),
    DEPLOYMENTS_DIR: path.join(data.dir, "data/deployments"),
    ARTIFACTS_DIR: path.join(data.dir, "data/artifacts"),
  };
  let webUrl = "";
  let tokenAddress = "";

  it("brings up the platform, refuses a second instance and stops everything on SIGINT", async () => {
    env.PORT = String(await freePort());
    env.ANVIL_PORT = String(await freePort());
    webUrl = `http://127.0.0.1:${env.PORT}`;
    const lines: string[] = [];
    const dev = startDev(env, lines);
    try {
      await running(dev, lines);
      const report = await waitFor("healthy", async () => {
        const response = await fetch(`${webUrl}/healthz`);
        const body = (await response.json()) as HealthReport;
        if (response.status !== 200) throw new Error(`failing: ${body.failing.join(", ")}`);
        return body;
      });
      expect(report.failing).toEqual([]);

      const deployment = deploymentSchema.parse(
        JSON.parse(readFileSync(path.join(env.DEPLOYMENTS_DIR as string, "31337.json"), "utf8")),
      );
      tokenAddress = deployment.contracts.TestToken?.address ?? "";
      // The worker projected the deployment into the database; the home page shows it.
      await waitFor("home page lists the token", async () => {
        const html = await (await fetch(webUrl)).text();
        if (!html.includes(tokenAddress)) throw new Error("not yet synced");
      });

      // The demo: seeded on the fresh chain, announced, indexed and listed.
      const banner = lines.join("\n");
      expect(banner).toContain("initialising a new PostgreSQL 18 cluster");
      expect(banner).toMatch(
        /database {3}postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(embedded PostgreSQL 18, data in /,
      );
      expect(banner).toContain(`demo       ${DEMO_BOUNTIES.length} bounties seeded`);
      expect(banner).toMatch(/pool agent agent\/cli\.ts for pool dev-cpu/);
      await waitFor("the bounty list to show every demo bounty", async () => {
        const html = await (await fetch(`${webUrl}/bounties`)).text();
        const missing = DEMO_BOUNTIES.filter((b) => !html.includes(escapeHtml(b.spec.name)));
        if (missing.length > 0) throw new Error(`not listed: ${missing.map((b) => b.spec.name).join(", ")}`);
      });

      // The local pool agent trains the Hindi GPT bounty (#1, the best funded: leased first), the worker's
      // evaluator scores it on-chain, and the indexer brings the score back.
      const c = boardClients(`http://127.0.0.1:${env.ANVIL_PORT}`, deployment);
      const hindi = await c.publicClient.readContract({
        address: c.board,
        abi: bountyBoardAbi,
        functionName: "getBounty",
        args: [1n],
      });
      expect(hindi.specHash).toBe(specHash(hindiGptSpec));
      const best = await waitFor(
        "a scored submission on the Hindi GPT bounty",
        async () => {
          const bounty = await c.publicClient.readContract({
            address: c.board,
            abi: bountyBoardAbi,
            functionName: "getBounty",
            args: [1n],
          });
          if (bounty.bestSubmissionId === 0n) throw new Error("no qualifying submission yet");
          return bounty.bestSubmissionId;
        },
        { timeoutMs: 120_000, intervalMs: 1_000, process: dev },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- dev output ---\n${lines.slice(-30).join("\n")}`);
      });
      // Protocol v2: the trainer committed, then revealed the checkpoint in a later block; the evaluator scored
      // the revealed checkpoint (read from the board's events: the submission struct is an implementation detail).
      const filter = {
        address: c.board,
        abi: bountyBoardAbi,
        args: { bountyId: 1n, submissionId: best },
        fromBlock: 0n,
      } as const;
      const [[committed], [revealed], [evaluated]] = await Promise.all([
        c.publicClient.getContractEvents({ ...filter, eventName: "CheckpointCommitted" }),
        c.publicClient.getContractEvents({ ...filter, eventName: "CheckpointRevealed" }),
        c.publicClient.getContractEvents({ ...filter, eventName: "EvaluationPublished" }),
      ]);
      if (!committed || !revealed || !evaluated)
        throw new Error(`submission ${best} lacks a commit, reveal or score`);
      const trainer = anvilAccount(DEMO_ACCOUNTS.trainer).address;
      expect(committed.args.trainer).toBe(trainer);
      expect(revealed.args.trainer).toBe(trainer);
      expect(revealed.blockNumber).toBeGreaterThan(committed.blockNumber);
      const checkpointHash = revealed.args.checkpointHash;
      if (!checkpointHash) throw new Error(`the reveal of submission ${best} has no checkpoint hash`);
      expect(
        await c.publicClient.readContract({
          address: c.board,
          abi: bountyBoardAbi,
          functionName: "submissionOf",
          args: [1n, checkpointHash],
        }),
      ).toBe(best);
      expect(evaluated.args).toMatchObject({ qualifies: true });
      const score = evaluated.args.score;
      if (score === undefined) throw new Error(`the evaluation of submission ${best} has no score`);
      // Perplexity, 9 decimals on-chain: better than the spec's target.
      expect(Number(score) / 1e9).toBeLessThanOrEqual(hindiGptSpec.metric.target);
      const services = readDevServices(env.DEV_DATA_DIR);
      if (!services) throw new Error("dev wrote no services.json");
      const db = await openDb({ kind: "postgres", url: services.databaseUrl });
      try {
        const indexed = await waitFor("the score in the index", async () => {
          const [row] = await db.db
            .select()
            .from(submissions)
            .where(and(eq(submissions.chainId, 31_337), eq(submissions.submissionId, best.toString())));
          if (row?.verdict !== "Scored")
            throw new Error(`submission ${best} is ${row?.verdict ?? "not indexed"}`);
          return row;
        });
        expect(indexed).toMatchObject({
          bountyId: "1",
          trainer,
          checkpointHash: checkpointHash.toLowerCase(),
          score: score.toString(),
        });
        expect(indexed.revealedAt).not.toBeNull();
      } finally {
        await db.close();
      }

      // A crashed worker is started again, and nothing else stops.
      /** The process running `entry` (with its arguments NUL-separated: not remix dev, whose --command names it). */
      const pidRunning = (entry: string) =>
        descendants(dev.child.pid as number).find((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(entry);
          } catch {
            return false;
          }
        });
      const workerPid = () => pidRunning("jobs/worker.ts");
      const killed = workerPid();
      expect(killed).toBeDefined();
      process.kill(killed as number, "SIGKILL");
      const restarted = await waitFor("the worker restarted", async () => {
        const pid = workerPid();
        if (!pid || pid === killed) throw new Error("no new worker yet");
        return pid;
      });
      expect(restarted).not.toBe(killed);
      expect(lines.join("\n")).toMatch(/worker exited unexpectedly[\s\S]*restarting it in 1 s/);
      expect(isAlive(dev.child.pid as number)).toBe(true);

      // So is a crashed web server (remix dev outlives it: dev sees /healthz stop answering).
      const webPid = pidRunning("server/web.ts");
      expect(webPid).toBeDefined();
      process.kill(webPid as number, "SIGKILL");
      await waitFor(
        "the web server back",
        async () => {
          const pid = pidRunning("server/web.ts");
          if (!pid || pid === webPid) throw new Error("no new web server yet");
          const response = await fetch(`${webUrl}/healthz`);
          if (response.status !== 200) throw new Error(`/healthz answers ${response.status}`);
        },
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
      expect(lines.join("\n")).toMatch(/web is running but has not answered for 15 s/);
      expect(isAlive(dev.child.pid as number)).toBe(true);

      // Untouched, the quick demo bounty (#2) goes all the way: trained, scored, finalized by the keeper as
      // time moves (anvil's block time), its eval set revealed by its DAO, its payout unlocked after the
      // verification period, and revenue deposited. The trainer's payout and the backers' revenue are claimable.
      const chainClient = createChainClient(`http://127.0.0.1:${env.ANVIL_PORT}`);
      const board = boardAddress(deployment);
      const fulfilled = await waitFor(
        "the quick demo bounty fulfilled, with revenue",
        async () => {
          const bounty = await chainClient.readContract({
            address: board,
            abi: bountyBoardAbi,
            functionName: "getBounty",
            args: [2n],
          });
          if (bounty.status !== enumValue(BOUNTY_STATUS, "Fulfilled")) {
            throw new Error(`bounty #2 is ${BOUNTY_STATUS[bounty.status]}`);
          }
          const revenue = await chainClient.readContract({
            address: board,
            abi: bountyBoardAbi,
            functionName: "claimableRevenue",
            args: [2n, anvilAccount(5).address],
          });
          if (revenue === 0n) throw new Error("no revenue deposited yet");
          return { bounty, revenue };
        },
        { timeoutMs: 300_000, intervalMs: 2_000 },
      );
      expect(fulfilled.bounty.payout).toBeGreaterThan(fulfilled.bounty.payoutWithdrawn);
      expect(lines.join("\n")).toMatch(/revealed the eval set of bounty #2/);
      expect(lines.join("\n")).toMatch(/deposited 100 ctUSD of revenue into bounty #2/);

      // A second instance on the same data: a clear message, exit 1, nothing started.
      const secondLines: string[] = [];
      const second = startDev(env, secondLines);
      expect(await second.exited).toBe(1);
      expect(secondLines.join("\n")).toMatch(/another `npm run dev` \(pid \d+\) is already running/);

      // A second instance elsewhere but on the same web port: names the port.
      const thirdLines: string[] = [];
      const third = startDev({ ...env, DEV_DATA_DIR: path.join(data.dir, "other") }, thirdLines);
      expect(await third.exited).toBe(1);
      expect(thirdLines.join("\n")).toContain(`port ${env.PORT} is in use`);

      // Ctrl-C: SIGINT to the dev process; every process it started goes away.
      const tree = descendants(dev.child.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(7); // anvil, redis, db, worker, indexer, web, pool agent
      process.kill(dev.child.pid as number, "SIGINT");
      expect(await dev.exited).toBe(0);
      // PostgreSQL goes last, once everything that writes to it has stopped.
      const stopped = lines.flatMap((line) => /^\[dev\] (\S+) stopped \(/.exec(line)?.[1] ?? []);
      expect(stopped.at(-1)).toBe("db");
      expect(stopped).toEqual(expect.arrayContaining(["anvil", "redis", "worker", "indexer", "web"]));
      await waitFor("all children gone", async () => {
        const left = tree.filter(isAlive);
        if (left.length > 0) throw new Error(`still running: ${left.join(", ")}`);
      });
      expect(tree.filter(isAlive)).toEqual([]);
    } finally {
      await dev.stop(5_000);
    }
  }, 360_000);

  it("restarts on the same chain and database, reusing the deployment, beside a second npm run dev", async () => {
    // Fresh ports: the chain's state lives in its file, not its port (and another test may own the old ones now).
    env.PORT = String(await freePort());
    env.ANVIL_PORT = String(await freePort());
    webUrl = `http://127.0.0.1:${env.PORT}`;
    const lines: string[] = [];
    const dev = startDev(env, lines);
    // A second stack from the same checkout, on its own ports and data (and so its own build directory),
    // started once the first holds its ports (its services pick free ports as they start, so ports chosen
    // for the second before then could be taken by the first meanwhile).
    let beside: ManagedProcess | undefined;
    const otherData = path.join(data.dir, "beside");
    const otherLines: string[] = [];
    const besideBuild = path.join(
      root,
      ".cache",
      `dev-build-${createHash("sha256").update(path.resolve(otherData)).digest("hex").slice(0, 12)}`,
    );
    try {
      await running(dev, lines);
      const otherPort = await freePort();
      let otherAnvilPort = await freePort();
      while (otherAnvilPort === otherPort) otherAnvilPort = await freePort();
      const other = { DEV_DATA_DIR: otherData, PORT: String(otherPort), ANVIL_PORT: String(otherAnvilPort) };
      beside = startDev(other, otherLines, { ownBuild: true });
      await running(beside, otherLines);
      for (const url of [webUrl, `http://127.0.0.1:${other.PORT}`]) {
        const health = await waitFor(`${url} healthy`, async () => {
          const response = await fetch(`${url}/healthz`);
          if (response.status !== 200) throw new Error(`${url}/healthz answers ${response.status}`);
          return response.status;
        });
        expect(health).toBe(200);
      }
      expect(existsSync(path.join(besideBuild, "index.js"))).toBe(true);
      process.kill(beside.child.pid as number, "SIGINT");
      expect(await beside.exited).toBe(0);
      const banner = lines.join("\n");
      expect(banner).toContain("contracts  reused");
      // The same cluster, with its data: not initialised again.
      expect(banner).not.toContain("initialising a new PostgreSQL");
      // The chain keeps its demo: nothing is seeded twice; the local pool's agent runs again, with a new token.
      expect(banner).toContain("demo       not seeded: the contracts were reused");
      expect(banner).toContain("pool agent: pool dev-cpu found, with a fresh API token");
      const html = await (await fetch(webUrl)).text();
      expect(html).toContain(tokenAddress);
      process.kill(dev.child.pid as number, "SIGINT");
      expect(await dev.exited).toBe(0);
    } finally {
      await Promise.all([dev.stop(5_000), beside?.stop(5_000)]);
      rmSync(besideBuild, { recursive: true, force: true });
    }
  }, 300_000);

  it("stops what it already started when Ctrl-C comes in the middle of start-up", async () => {
    const own = path.join(data.dir, "interrupted");
    const lines: string[] = [];
    const dev = startDev(
      {
        DEV_DATA_DIR: own,
        DEPLOYMENTS_DIR: path.join(own, "deployments"),
        PORT: String(await freePort()),
        ANVIL_PORT: String(await freePort()),
      },
      lines,
    );
    try {
      // Interrupt once the chain is up and the next services are starting.
      await waitFor("anvil started", async () => {
        if (!processesMentioning(own).some((cmd) => cmd.includes("anvil"))) throw new Error("not yet");
      });
      process.kill(dev.child.pid as number, "SIGINT");
      expect(await dev.exited).toBe(0);
      await waitFor("nothing left", async () => {
        const left = processesMentioning(own);
        if (left.length > 0) throw new Error(`still running: ${left.join(" | ")}`);
      });
      expect(processesMentioning(own)).toEqual([]);
    } finally {
      await dev.stop(5_000);
    }
  });
});

describe("npm run dev on a data directory of the PGlite days", () => {
  it("stops before starting anything, saying what to do", async () => {
    const old = path.join(data.dir, "old");
    mkdirSync(path.join(old, "pglite"), { recursive: true });
    const lines: string[] = [];
    const dev = startDev(
      { DEV_DATA_DIR: old, PORT: String(await freePort()), ANVIL_PORT: String(await freePort()) },
      lines,
    );
    try {
      expect(await dev.exited).toBe(1);
      const output = lines.join("\n");
      expect(output).toContain("pglite holds a database from before the switch to PostgreSQL");
      expect(output).toContain(`start fresh with \`rm -rf ${old}\``);
      expect(output).toContain("pg_dump");
      // Nothing was started or created: no cluster next to the old data.
      expect(existsSync(path.join(old, "postgres"))).toBe(false);
      expect(processesMentioning(old)).toEqual([]);
    } finally {
      await dev.stop(5_000);
    }
  });
});

/** Text as React renders it into HTML. */
function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Command lines of running processes that mention `text` (the test's own data directory). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes(text)) found.push(cmd.trim());
    } catch {
      // exited while we looked
    }
  }
  return found;
}
