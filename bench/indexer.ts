/**
 * `npm run bench:indexer [-- --events N]`: indexer backfill throughput.
 *
 * 1. Mines N BountyBoard events (default 50,000) on a private anvil: funding
 *    from many backers over many bounties. Each backer is a BatchFunder
 *    contract (contracts/test/bench) calling `fund` 200 times per transaction;
 *    every call emits Contributed and a share Transfer, both real board events.
 * 2. Backfills them into a fresh database on TEST_DATABASE_URL's (or
 *    DATABASE_URL's) server when set, otherwise on the embedded PostgreSQL
 *    (bench/lib/database.ts), timing the whole backfill (RPC reads, decoding,
 *    writes, aggregates).
 * 3. Prints events per second; the last line is one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { type Abi, type Address, type Hex, parseUnits } from "viem";
import { testTokenAbi } from "../contracts/abi.js";
import { anvilAccount } from "../core/dev-chain.js";
import { createLogger } from "../core/logger.js";
import { type DbHandle, migrateDb, openDb, queryRows } from "../db/client.js";
import { deployContracts } from "../jobs/deployments/index.js";
import { Indexer } from "../jobs/indexer/index.js";
import { buildContracts } from "../scripts/lib/contracts-build.js";
import { freePort } from "../scripts/lib/processes.js";
import { startAnvil } from "../scripts/lib/services.js";
import { createChainClient } from "../server/chain.js";
import { boardClients } from "../test/setup/board-activity.js";
import { Cleanups } from "./lib/cleanups.js";
import { benchDatabase } from "./lib/database.js";

const { values } = parseArgs({ options: { events: { type: "string", default: "50000" } } });
const target = Number(values.events);
if (!Number.isInteger(target) || target < 2) {
  console.error(`bench:indexer: --events must be an integer >= 2, got "${values.events}"`);
  process.exit(2);
}

const BOUNTIES = 50;
const BACKERS = 25;
const PER_TX = 200; // fund calls per transaction: 400 events
const root = path.resolve(import.meta.dirname, "..");

buildContracts();
const artifact = JSON.parse(
  readFileSync(path.join(root, "contracts/out/BatchFunder.sol/BatchFunder.json"), "utf8"),
);
const funderAbi = artifact.abi as Abi;
const funderBytecode = artifact.bytecode.object as Hex;

const say = (message: string) => process.stderr.write(`${message}\n`);
// An interrupted run stops anvil and the database and removes their files too.
const cleanups = new Cleanups(say);
const dir = mkdtempSync(path.join(tmpdir(), "crowdtrain-bench-indexer-"));
cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
const anvil = await startAnvil({
  port: await freePort(),
  onSpawn: (proc) => cleanups.add(() => proc.stop(5_000)),
});
try {
  // anvil's default 30M block gas limit fits one 200-call batch per block comfortably.
  const { deployment } = await deployContracts({ rpcUrl: anvil.url, deploymentsDir: dir });
  const c = boardClients(anvil.url, deployment);
  const deployer = anvilAccount(0);
  const dao = anvilAccount(1);
  const wallet = (await import("viem")).createWalletClient({
    account: deployer,
    chain: (await import("viem/chains")).anvil,
    transport: (await import("viem")).http(anvil.url),
  });
  const confirm = async (hash: Hex) => {
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };

  say(`mining ${target} events: ${BOUNTIES} bounties, ${BACKERS} backers...`);
  const started = performance.now();
  const ids: bigint[] = [];
  for (let i = 0; i < BOUNTIES; i++) ids.push(await c.createBounty(dao, parseUnits("1000000000", 6)));
  const funders: Address[] = [];
  for (let i = 0; i < BACKERS; i++) {
    const receipt = await confirm(
      await wallet.deployContract({ abi: funderAbi, bytecode: funderBytecode, args: [c.board, c.token] }),
    );
    const funder = receipt.contractAddress as Address;
    await confirm(
      await wallet.writeContract({
        address: c.token,
        abi: testTokenAbi,
        functionName: "mint",
        args: [funder, parseUnits("1000000000", 6)],
      }),
    );
    funders.push(funder);
  }
  const calls = Math.ceil(target / 2);
  let done = 0;
  let round = 0;
  while (done < calls) {
    const count = Math.min(PER_TX, calls - done);
    const batchIds = Array.from({ length: count }, (_, k) => ids[(done + k) % ids.length] as bigint);
    const funder = funders[round % funders.length] as Address;
    await confirm(
      await wallet.writeContract({
        address: funder,
        abi: funderAbi,
        functionName: "fundMany",
        args: [batchIds, 1n],
      }),
    );
    done += count;
    round++;
  }
  say(`mined ${done * 2} fund events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const board = deployment.contracts.BountyBoard;
  if (!board) throw new Error("no board");
  const log = createLogger("bench", process.env.LOG_LEVEL ?? "silent");

  async function backfill(handle: DbHandle) {
    await migrateDb(handle);
    const indexer = new Indexer({
      db: handle.db,
      chain: createChainClient(anvil.url, 120_000),
      chainId: 31_337,
      board: board?.address as Address,
      fromBlock: board?.blockNumber ?? 0,
      confirmations: 0,
      reorgWindow: 128,
      maxRange: 5_000,
      queues: {},
      log,
    });
    const t0 = performance.now();
    const events = await indexer.catchUp();
    const seconds = (performance.now() - t0) / 1000;
    const [row] = await queryRows<{ n: string }>(
      handle.db,
      sql`select count(*)::text as n from board_events`,
    );
    if (Number(row?.n) !== events) throw new Error(`wrote ${events} events but the table holds ${row?.n}`);
    return { events, seconds, perSecond: Math.round(events / seconds) };
  }

  const database = await benchDatabase(cleanups, say);
  const handle = await openDb({ kind: "postgres", url: database.url });
  const result = await backfill(handle).finally(() => handle.close());
  say(
    `${database.where}: ${result.events} events in ${result.seconds.toFixed(2)} s = ${result.perSecond} events/s`,
  );
  process.stdout.write(
    `${JSON.stringify({ bench: "indexer", events: result.events, postgres_events_per_s: result.perSecond })}\n`,
  );
} finally {
  await cleanups.run();
}
