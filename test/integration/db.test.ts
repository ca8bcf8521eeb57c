import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeBoards } from "../../app/models/bounty.server.js";
import { migrateDb, migrationsFolder, openDb, pingDb, queryRows } from "../../db/client.server.js";
import { bounties, deployments, leases } from "../../db/schema/index.js";
import { knownDeployments, listDeployments } from "../../jobs/deployments/registry.js";
import { createPool } from "../../jobs/dispatch/pools.server.js";
import { bountyRow, dbTargets, servePglite, type TestDb } from "../setup/fixtures.js";

const row = (chainId: number, name: string, address: string) => ({
  chainId,
  name,
  address,
  txHash: `0x${"cd".repeat(32)}`,
  blockNumber: 7,
  deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  deployedAt: new Date("2026-05-01T12:00:00Z"),
});

describe.each(dbTargets())("database on $name", ({ name, open }) => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await open();
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  it("is migrated and answers", async () => {
    await pingDb(testDb.handle.db);
    const tables = await queryRows<{ table_name: string }>(
      testDb.handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((r) => r.table_name)).toContain("deployments");
  });

  it("re-running migrations changes nothing", async () => {
    await migrateDb(testDb.handle);
    const applied = await queryRows<{ n: number }>(
      testDb.handle.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8"));
    expect(applied[0]?.n).toBe(journal.entries.length);
  });

  it("stores deployments with the chain-and-name key and lists them per chain", async () => {
    const { db } = testDb.handle;
    await db
      .insert(deployments)
      .values([row(1, "TestToken", "0xaa"), row(1, "BountyBoard", "0xbb"), row(2, "X", "0xcc")]);
    await expect(db.insert(deployments).values(row(1, "TestToken", "0xdd"))).rejects.toThrow();

    const listed = await listDeployments(db, 1);
    expect(listed.map((d) => [d.name, d.address])).toEqual([
      ["BountyBoard", "0xbb"],
      ["TestToken", "0xaa"],
    ]);
    expect(listed[0]?.deployedAt.toISOString()).toBe("2026-05-01T12:00:00.000Z");
    expect(listed[0]?.blockNumber).toBe(7);
    expect(await listDeployments(db, 3)).toEqual([]);
  });

  it("remembers a chain's deployments for a few seconds: the pages' root loader reads them once, not per call", async () => {
    const { db } = testDb.handle;
    // The cache is the process's: each database gets a chain of its own, so neither reads the other's entry.
    const chain = name === "pglite" ? 5 : 6;
    await db.insert(deployments).values(row(chain, "BountyBoard", "0xb5"));
    const first = knownDeployments(db, chain);
    expect((await first).map((d) => d.name)).toEqual(["BountyBoard"]);
    // A row added now is not seen until the cache expires: awaiting the remembered read does not re-run it
    // (it did when the cache held drizzle's query builder, which queries again on every await).
    await db.insert(deployments).values(row(chain, "TestToken", "0x75"));
    expect((await first).map((d) => d.name)).toEqual(["BountyBoard"]);
    expect((await knownDeployments(db, chain)).map((d) => d.name)).toEqual(["BountyBoard"]);
    expect((await listDeployments(db, chain)).map((d) => d.name)).toEqual(["BountyBoard", "TestToken"]);
  });
});

describe("PGlite served over a socket (as npm run dev shares it)", () => {
  it("answers each of many concurrent connections' parameterized queries with its own rows", async () => {
    const served = await servePglite();
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: served.url, max: 4 }));
    try {
      // Every query binds a parameter (Parse/Bind/Execute/Sync), while another connection runs transactions:
      // an exchange interleaved with another's would be bound to the wrong statement and answer wrong rows.
      await (pools[2] as pg.Pool).query("create table socket_probe (n int)");
      const transactions = Array.from({ length: 30 }, async (_, i) => {
        const tx = await (pools[2] as pg.Pool).connect();
        try {
          await tx.query("begin");
          await tx.query("insert into socket_probe values ($1)", [i]);
          const { rows } = await tx.query<{ c: number }>(
            "select count(*)::int as c from socket_probe where n = $1",
            [i],
          );
          await tx.query("commit");
          return rows[0]?.c;
        } finally {
          tx.release();
        }
      });
      const answers = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const client = pools[i % 2] as pg.Pool;
          // Different statement texts, so an exchange bound to another's statement would show.
          const { rows } = await client.query<{ n: number; tag: string }>(
            `select $1::int + ${i} as n, $2::text || '-${i % 10}' as tag`,
            [i, `q${i}`],
          );
          return rows[0];
        }),
      );
      for (const [i, row] of answers.entries()) expect(row).toEqual({ n: 2 * i, tag: `q${i}-${i % 10}` });
      expect(await Promise.all(transactions)).toEqual(Array(30).fill(1));
      // Transactions still hold their connection.
      const tx = await (pools[0] as pg.Pool).connect();
      await tx.query("begin");
      await tx.query("create temp table t (n int)");
      const outside = (pools[1] as pg.Pool).query("select $1::int as n", [7]);
      await tx.query("insert into t values ($1)", [1]);
      expect((await tx.query("select count(*)::int as c from t")).rows[0]).toEqual({ c: 1 });
      await tx.query("commit");
      tx.release();
      expect((await outside).rows[0]).toEqual({ n: 7 });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await served.stop();
    }
  });

  it("runs an exchange split across packets whole, and answers a failed one with its error, then goes on", async () => {
    const served = await servePglite();
    const other = new pg.Pool({ connectionString: served.url, max: 2 });
    const wire = await rawConnection(served.url);
    try {
      // Parse and Bind now, Describe, Execute and Sync later: the connection's exchange is open meanwhile,
      // and another connection's query waits for it rather than running in between (and rebinding it).
      wire.send(parseMessage("select $1::int * 2 as n"), bindMessage(["21"]));
      const meanwhile = other.query("select $1::text as t", ["other"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      wire.send(describeMessage(), executeMessage(), syncMessage());
      expect(await wire.answer()).toEqual({ rows: [["42"]], errors: [] });
      expect((await meanwhile).rows).toEqual([{ t: "other" }]);

      // A Bind that fails (not an integer): the rest of the exchange is skipped up to its Sync.
      wire.send(parseMessage("select $1::int as n"), bindMessage(["forty"]), describeMessage());
      wire.send(executeMessage(), syncMessage());
      const failed = await wire.answer();
      expect(failed.rows).toEqual([]);
      expect(failed.errors.join()).toMatch(/invalid input syntax for type integer/);
      // The same connection, and the others, go on.
      wire.send(parseMessage("select $1::int + 1 as n"), bindMessage(["1"]), describeMessage());
      wire.send(executeMessage(), syncMessage());
      expect(await wire.answer()).toEqual({ rows: [["2"]], errors: [] });
      expect((await other.query("select 7 as n")).rows).toEqual([{ n: 7 }]);

      // A connection that goes away in the middle of a failed exchange (no Sync): the next connection's
      // query is answered, not skipped as the rest of the failed exchange.
      const dying = await rawConnection(served.url);
      dying.send(parseMessage("select $1::int as n"), bindMessage(["forty"]));
      await new Promise((resolve) => setTimeout(resolve, 50));
      dying.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await other.query("select $1::int + 1 as n", [41])).rows).toEqual([{ n: 42 }]);
    } finally {
      wire.close();
      await other.end();
      await served.stop();
    }
  });

  it("keeps a transaction on its connection: another connection's query waits, and never runs inside it", async () => {
    const served = await servePglite();
    const pool = new pg.Pool({ connectionString: served.url, max: 2 });
    try {
      await pool.query("create table tx_probe (n int)");
      const tx = await pool.connect();
      try {
        await tx.query("begin");
        await tx.query("insert into tx_probe values ($1)", [1]);
        // PGlite has one session: run in between, this would count the uncommitted row (1).
        const outside = pool.query<{ c: number }>("select count(*)::int as c from tx_probe");
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await tx.query("select count(*)::int as c from tx_probe")).rows).toEqual([{ c: 1 }]);
        await tx.query("rollback");
        expect((await outside).rows).toEqual([{ c: 0 }]);
      } finally {
        tx.release();
      }
    } finally {
      await pool.end();
      await served.stop();
    }
  });

  it("shares named statements among connections: prepared once, a different text under a known name fails", async () => {
    const served = await servePglite();
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: served.url }));
    try {
      for (const client of clients) await client.connect();
      const [first, second, third] = clients as [pg.Client, pg.Client, pg.Client];
      const probe = { name: "named_probe", text: "select $1::int + 1 as n" };
      expect((await first.query({ ...probe, values: [1] })).rows).toEqual([{ n: 2 }]);
      // PGlite's one session already holds it: a real server would prepare it again for this connection.
      expect((await second.query({ ...probe, values: [41] })).rows).toEqual([{ n: 42 }]);
      expect((await first.query({ ...probe, values: [9] })).rows).toEqual([{ n: 10 }]);
      await expect(
        third.query({ name: "named_probe", text: "select $1::int + 2 as n", values: [1] }),
      ).rejects.toThrow(/already exists/);
      // The failure leaves the statement and the connections as they were.
      expect((await third.query("select 1 as n")).rows).toEqual([{ n: 1 }]);
      expect((await second.query({ ...probe, values: [0] })).rows).toEqual([{ n: 1 }]);

      // pg closes a statement it has just prepared when a parameter fails to serialize (Parse, Close,
      // Sync): the session keeps it, since other connections may share it, and everyone goes on using it.
      const unserializable = {
        toPostgres() {
          throw new Error("cannot serialize this value");
        },
      };
      const shared = { name: "closed_probe", text: "select $1::int * 3 as n" };
      await expect(third.query({ ...shared, values: [unserializable] })).rejects.toThrow(/cannot serialize/);
      expect((await first.query({ ...shared, values: [2] })).rows).toEqual([{ n: 6 }]);
      expect((await third.query({ ...shared, values: [3] })).rows).toEqual([{ n: 9 }]);
      expect((await second.query({ ...probe, values: [5] })).rows).toEqual([{ n: 6 }]);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await served.stop();
    }
  });

  it("serves the home page's prepared queries to many connections at once", async () => {
    // One PGlite session serves every connection, and the boards are named statements: each connection's
    // pg client prepares them, and the socket server answers all but the first from the session.
    const served = await servePglite();
    const app = await openDb({ kind: "postgres", url: served.url, maxConnections: 8 });
    try {
      // One bounty for each board: funding (most backed), fulfilled with a best score, and one in training.
      await served.handle.db.insert(bounties).values([
        bountyRow({ bountyId: "1", backerCount: 3 }),
        bountyRow({
          bountyId: "2",
          backerCount: 1,
          status: "Fulfilled",
          bestScore: "950000",
          bestMargin: 0.5,
        }),
        bountyRow({ bountyId: "3", backerCount: 2, status: "Funded" }),
      ]);
      const { pool } = await createPool(served.handle.db, {
        name: "socket-pool",
        operator: "0x000000000000000000000000000000000000dEaD",
        gpuModel: "H100",
        gpuCount: 1,
        vramGb: 80,
        maxLeases: 1,
      });
      await served.handle.db.insert(leases).values({
        id: "lease-3",
        chainId: 31_337,
        bountyId: "3",
        jobId: "train-31337-3",
        queue: "train-v0-g0",
        poolId: pool.id,
        attempt: 1,
        status: "active",
        leasedAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
        percent: 42,
      });
      // Many home pages at once, over eight connections that PGlite's one session serves in turn.
      const boards = await Promise.all(
        Array.from({ length: 24 }, () => homeBoards(app.db, 31_337, new Map())),
      );
      for (const board of boards) {
        expect(board.byBackers.map((b) => [b.bountyId, b.backerCount])).toEqual([
          ["1", 3],
          ["3", 2],
          ["2", 1],
        ]);
        expect(board.byScore.map((b) => [b.bountyId, b.bestMargin])).toEqual([["2", 0.5]]);
        expect(board.fulfilled.map((b) => b.bountyId)).toEqual(["2"]);
        expect(board.training.map((b) => [b.bountyId, b.percent, b.pool])).toEqual([
          ["3", 42, "socket-pool"],
        ]);
      }
    } finally {
      await app.close();
      await served.stop();
    }
  });
});

// A minimal Postgres wire-protocol client, to send an exchange's messages in packets of our choosing.

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}
const cstring = (text: string) => Buffer.from(`${text}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const int32 = (n: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(n);
  return bytes;
};
const parseMessage = (query: string) => message("P", cstring(""), cstring(query), int16(0));
const bindMessage = (values: string[]) =>
  message(
    "B",
    cstring(""),
    cstring(""),
    int16(0),
    int16(values.length),
    ...values.flatMap((value) => [int32(Buffer.byteLength(value)), Buffer.from(value)]),
    int16(0),
  );
const describeMessage = () => message("D", Buffer.from("P"), cstring(""));
const executeMessage = () => message("E", cstring(""), int32(0));
const syncMessage = () => message("S");

/** A connection that sends raw messages and reads answers up to ReadyForQuery: data rows and errors. */
async function rawConnection(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = Buffer.alloc(0);
  let notify = () => {};
  socket.on("data", (data) => {
    received = Buffer.concat([received, data]);
    notify();
  });
  const answer = async () => {
    const result: { rows: string[][]; errors: string[] } = { rows: [], errors: [] };
    for (;;) {
      while (received.length < 5 || received.length < 1 + received.readInt32BE(1)) {
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
      }
      const type = String.fromCharCode(received[0] ?? 0);
      const body = received.subarray(5, 1 + received.readInt32BE(1));
      received = received.subarray(1 + received.readInt32BE(1));
      if (type === "Z") return result;
      if (type === "E") result.errors.push(body.toString("utf8").replaceAll("\0", " "));
      if (type === "D") {
        const row: string[] = [];
        for (let i = 0, at = 2; i < body.readInt16BE(0); i++) {
          const length = body.readInt32BE(at);
          row.push(body.subarray(at + 4, at + 4 + length).toString("utf8"));
          at += 4 + length;
        }
        result.rows.push(row);
      }
    }
  };
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const startup = Buffer.concat([
    int32(196_608),
    cstring("user"),
    cstring("postgres"),
    cstring("database"),
    cstring("postgres"),
    Buffer.from([0]),
  ]);
  socket.write(Buffer.concat([int32(startup.length + 4), startup]));
  await answer();
  return {
    send: (...messages: Buffer[]) => socket.write(Buffer.concat(messages)),
    answer,
    close: () => socket.destroy(),
  };
}
