/**
 * The embedded PostgreSQL as `npm run dev` and the CLIs run it (db/postgres-server.ts through
 * scripts/lib/services.ts, ADR 018): initialised on first start and migrated, its data kept across a
 * restart, a cluster orphaned by a killed server stopped and taken over, a second server on the same data
 * refused, a taken port reported for a retry, and (as root) a data directory its user cannot reach refused
 * with what to do.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PORT_IN_USE_EXIT } from "../../db/embedded-postgres.js";
import { freePort, isAlive, nodeTs, startProcess, waitFor } from "../../scripts/lib/processes.js";
import { startPostgresServer } from "../../scripts/lib/services.js";
import { tempDir } from "../setup/fixtures.js";

const scratch = tempDir("embedded-postgres");
// As root, Postgres runs as the `postgres` user, which must be able to enter the (0700) temp dir.
chmodSync(scratch.dir, 0o755);
afterAll(() => scratch.remove());

async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** The pid of the postmaster serving `dataDir`, from its lock file. */
function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
}

describe("the embedded PostgreSQL server", () => {
  const dataDir = path.join(scratch.dir, "data", "postgres");

  it("initialises a new cluster, migrates it, and keeps its data across a restart", async () => {
    const lines: string[] = [];
    const first = await startPostgresServer({ dataDir, onLine: (line) => lines.push(line) });
    try {
      expect(lines.join("\n")).toContain("initialising a new PostgreSQL 18 cluster");
      const [version] = await query<{ server_version_num: string }>(first.url, "show server_version_num");
      expect(Number(version?.server_version_num)).toBeGreaterThanOrEqual(180_000);
      const [migrated] = await query<{ n: number }>(
        first.url,
        "select count(*)::int as n from drizzle.__drizzle_migrations",
      );
      expect(migrated?.n).toBeGreaterThan(0);
      await query(first.url, "create table kept (n int); insert into kept values (42)");
    } finally {
      await first.process.stop(30_000);
    }

    const again: string[] = [];
    const second = await startPostgresServer({ dataDir, onLine: (line) => again.push(line) });
    try {
      expect(again.join("\n")).not.toContain("initialising");
      expect(await query(second.url, "select n from kept")).toEqual([{ n: 42 }]);
    } finally {
      await second.process.stop(30_000);
    }
  });

  it("refuses a second server on the same data, naming the one that serves it", async () => {
    const first = await startPostgresServer({ dataDir });
    try {
      const error = await startPostgresServer({ dataDir }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/is served already, by process \d+/);
      // The first one is unharmed.
      expect(await query(first.url, "select n from kept")).toEqual([{ n: 42 }]);
    } finally {
      await first.process.stop(30_000);
    }
  });

  it("stops a cluster orphaned by a server killed with SIGKILL, then starts on the same data", async () => {
    const first = await startPostgresServer({ dataDir });
    const orphan = postmasterPid(dataDir);
    // Only the server process, not its group: Postgres is left running without its parent.
    process.kill(first.process.child.pid as number, "SIGKILL");
    await first.process.exited;
    expect(isAlive(orphan)).toBe(true);

    const lines: string[] = [];
    const second = await startPostgresServer({ dataDir, onLine: (line) => lines.push(line) });
    try {
      expect(lines.join("\n")).toContain(`stopping PostgreSQL pid ${orphan}, left running`);
      expect(isAlive(orphan)).toBe(false);
      expect(await query(second.url, "select n from kept")).toEqual([{ n: 42 }]);
    } finally {
      await second.process.stop(30_000);
      await first.process.stop(1_000); // the rest of its group, if anything
    }
  });

  it("exits with PORT_IN_USE_EXIT when its port is taken, for the caller to try another", async () => {
    const port = await freePort();
    const taken = (await import("node:net")).createServer().listen(port, "127.0.0.1");
    try {
      const proc = startProcess({
        name: "db",
        ...nodeTs("db/postgres-server.ts", "--dir", dataDir, "--port", String(port), "--no-migrate"),
        onLine: () => {},
      });
      expect(await proc.exited).toBe(PORT_IN_USE_EXIT);
      await proc.stop(1_000);
    } finally {
      taken.close();
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "as root, refuses a data directory the postgres user cannot reach, saying what to do",
    async () => {
      const locked = path.join(scratch.dir, "locked");
      mkdirSync(locked, { mode: 0o700 });
      chmodSync(locked, 0o700);
      const lines: string[] = [];
      const error = await startPostgresServer({
        dataDir: path.join(locked, "postgres"),
        onLine: (line) => lines.push(line),
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toContain('as root, it runs as the "postgres" user, which cannot enter');
      expect(error?.message).toContain(`chmod 755 ${locked}`);
      expect(existsSync(path.join(locked, "postgres"))).toBe(false);
    },
  );

  it("stops its cluster when the process that started it dies", async () => {
    // A CLI that exits without closing (process.exit) must not leave the database running.
    const script = [
      'import { readFileSync } from "node:fs";',
      `import { startPostgresServer } from ${JSON.stringify(path.resolve("scripts/lib/services.ts"))};`,
      `await startPostgresServer({ dataDir: ${JSON.stringify(dataDir)}, migrate: false });`,
      `console.log("postmaster", readFileSync(${JSON.stringify(path.join(dataDir, "postmaster.pid"))}, "utf8").split("\\n")[0]);`,
      "process.exit(0);",
    ].join("\n");
    const lines: string[] = [];
    const parent = startProcess({
      name: "cli",
      command: process.execPath,
      args: ["--import", "tsx", "--input-type=module", "-e", script],
      onLine: (line) => lines.push(line),
    });
    expect(await parent.exited).toBe(0);
    const pid = Number(lines.find((line) => line.startsWith("postmaster "))?.split(" ")[1]);
    expect(pid).toBeGreaterThan(0);
    await waitFor(
      "the orphaned server to stop its cluster",
      async () => {
        if (isAlive(pid)) throw new Error(`PostgreSQL ${pid} still runs`);
      },
      { timeoutMs: 20_000 },
    );
  });
});
