/**
 * `npm run dev` as a newcomer runs it: from nothing to a healthy platform,
 * a clear refusal for a second instance, Ctrl-C (SIGINT) leaving no process
 * behind, and a restart that finds its chain and database where it left them.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HealthReport } from "../../app/lib/health.server.js";
import {
  freePort,
  isAlive,
  type ManagedProcess,
  nodeTs,
  startProcess,
  waitFor,
} from "../../scripts/lib/processes.js";
import { tempDir } from "../setup/fixtures.js";

const root = path.resolve(import.meta.dirname, "../..");
const data = tempDir("dev-e2e");
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

function startDev(env: Record<string, string>, lines: string[]): ManagedProcess {
  return startProcess({
    name: "dev",
    ...nodeTs("scripts/dev.ts"),
    cwd: root,
    // No RPC_URL, REDIS_URL or DATABASE_URL: the embedded defaults, as on a fresh machine.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REMIX_BUILD_DIR: buildDir, ...env },
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
    PGLITE_DIR: path.join(data.dir, "data/pglite"),
    DEPLOYMENTS_DIR: path.join(data.dir, "data/deployments"),
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

      const deployment = JSON.parse(
        readFileSync(path.join(env.DEPLOYMENTS_DIR as string, "31337.json"), "utf8"),
      );
      tokenAddress = deployment.contracts.TestToken.address;
      // The worker projected the deployment into the database; the home page shows it.
      await waitFor("home page lists the token", async () => {
        const html = await (await fetch(webUrl)).text();
        if (!html.includes(tokenAddress)) throw new Error("not yet synced");
      });

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
      expect(tree.length).toBeGreaterThanOrEqual(5); // anvil, redis, db, worker, web
      process.kill(dev.child.pid as number, "SIGINT");
      expect(await dev.exited).toBe(0);
      await waitFor("all children gone", async () => {
        const left = tree.filter(isAlive);
        if (left.length > 0) throw new Error(`still running: ${left.join(", ")}`);
      });
      expect(tree.filter(isAlive)).toEqual([]);
    } finally {
      await dev.stop(5_000);
    }
  });

  it("restarts on the same chain and database, reusing the deployment", async () => {
    // Fresh ports: the chain's state lives in its file, not its port (and another test may own the old ones now).
    env.PORT = String(await freePort());
    env.ANVIL_PORT = String(await freePort());
    webUrl = `http://127.0.0.1:${env.PORT}`;
    const lines: string[] = [];
    const dev = startDev(env, lines);
    try {
      await running(dev, lines);
      expect(lines.join("\n")).toContain("contracts  reused");
      const html = await (await fetch(webUrl)).text();
      expect(html).toContain(tokenAddress);
      process.kill(dev.child.pid as number, "SIGINT");
      expect(await dev.exited).toBe(0);
    } finally {
      await dev.stop(5_000);
    }
  });

  it("stops what it already started when Ctrl-C comes in the middle of start-up", async () => {
    const own = path.join(data.dir, "interrupted");
    const lines: string[] = [];
    const dev = startDev(
      {
        DEV_DATA_DIR: own,
        PGLITE_DIR: path.join(own, "pglite"),
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
