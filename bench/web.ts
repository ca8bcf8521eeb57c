/**
 * `npm run bench:web [-- --bounties B --contributions C --requests N --concurrency K --also 1,10 --hold]`:
 * server-side render times of the home page and of a bounty list page.
 *
 * Seeds B bounties (default 10,000, with registered specs) and C contributions
 * (default 1,000,000) into a fresh database on TEST_DATABASE_URL's (or
 * DATABASE_URL's) server, or, when neither is set, on the embedded PostgreSQL
 * in a process of its own (db/postgres-server.ts, as `npm run dev` runs it)
 * with its data in a temporary directory; builds the app and
 * serves it with remix-serve (production mode); then times N GET requests
 * (default 500) at concurrency K (default 4) for `/`, for `/bounties?status=Funding&sort=backers&page=3` and
 * for `/bounties` (sorted by funding normalized across tokens, computed per
 * row), after a warm-up, and again at the `--also` concurrencies (default 1
 * and 10), for docs/benchmarks.md's table. The pages take turns in five rounds of N/5
 * requests (each round starting with the next page), and each page's
 * figures pool its rounds. Prints p50, p95 and requests per second;
 * the last line is one JSON object, for concurrency K.
 *
 * The bounties are spread over three tokens with 6, 9 and 18 decimals (one
 * with a reference price, TOKEN_PRICES), and the fulfilled fifth carries a
 * best score and its margin over the target, as the indexer would store them.
 *
 * `--hold` seeds and serves, prints the server's address, and instead of timing
 * anything keeps it up until Ctrl-C (then cleans up), to drive or inspect it by
 * hand.
 *
 * With BENCH_CPU_PROF=<dir>, the server runs under `node --cpu-prof` and writes
 * its CPU profile into <dir> when the bench ends (open it in Chrome DevTools).
 *
 * The load generator runs on the same machine (node:http: about a tenth of the
 * CPU a request costs the server; fetch took a third), so high concurrencies
 * measure the machine as much as the server.
 */
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import pg from "pg";
import { exampleSpecs } from "../core/spec.examples.js";
import { specHash } from "../core/spec.js";
import { migrateDb, openDb } from "../db/client.js";
import { registerSpec } from "../jobs/bounties/index.js";
import { freePort } from "../scripts/lib/processes.js";
import { startRedis } from "../scripts/lib/services.js";
import { buildWeb, serveWeb, webReady } from "../test/setup/web.js";
import { Cleanups } from "./lib/cleanups.js";
import { benchDatabase } from "./lib/database.js";

const { values } = parseArgs({
  options: {
    bounties: { type: "string", default: "10000" },
    contributions: { type: "string", default: "1000000" },
    requests: { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
    also: { type: "string", default: "1,10" },
    hold: { type: "boolean", default: false },
  },
});
const count = (name: keyof typeof values, min: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`bench:web: --${name} must be an integer >= ${min}`);
    process.exit(2);
  }
  return value;
};
const BOUNTIES = count("bounties", 1);
const CONTRIBUTIONS = count("contributions", 0);
const REQUESTS = count("requests", 10);
const CONCURRENCY = count("concurrency", 1);
const ALSO = (values.also ?? "")
  .split(",")
  .filter((item) => item.trim() !== "")
  .map(Number);
if (ALSO.some((c) => !Number.isInteger(c) || c < 1)) {
  console.error("bench:web: --also must list whole numbers >= 1, comma-separated");
  process.exit(2);
}
const CHAIN_ID = 31_337;
/** Rounds the timed requests of each page are split into, the pages taking turns (see `measure`). */
const ROUNDS = 5;
/** Requests per page before any is timed (see the warm-up below). */
const WARM_UP = 300;
const say = (message: string) => process.stderr.write(`${message}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** The three tokens bounties are funded in: address, symbol, decimals. */
const TOKENS = [1, 2, 3].map((n, i) => ({
  address: `0x${n.toString(16).padStart(40, "a")}`,
  symbol: ["SIX", "NINE", "EIGHTEEN"][i] as string,
  decimals: [6, 9, 18][i] as number,
}));
/** A reference price for the 9-decimal token, so the normalized order differs from the base-unit order. */
const TOKEN_PRICES = `${TOKENS[1]?.address}=2.5`;

/** Seeds tokens, bounties (spread over statuses, tokens, DAOs and the example specs) and contributions, in SQL. */
async function seed(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `insert into tokens (chain_id, token, allowed, block_number, symbol, name, decimals, indexed_at)
       select $1, t.address, true, 1, t.symbol, t.symbol, t.decimals, now()
       from unnest($2::text[], $3::text[], $4::int[]) as t(address, symbol, decimals)`,
      [CHAIN_ID, TOKENS.map((t) => t.address), TOKENS.map((t) => t.symbol), TOKENS.map((t) => t.decimals)],
    );
    const hashes = Object.values(exampleSpecs).map((spec) => specHash(spec));
    await client.query(
      `insert into bounties (chain_id, bounty_id, dao, token, goal, funding_deadline, delivery_deadline, spec_hash,
         eval_set_commitment, metric_id, target_score, direction, bond, challenge_window, arbiter, dispute_bond,
         reveal_period, evaluation_period, verification_period, allow_overfunding, fee_bps, status, raised,
         backer_count, created_block, created_tx)
       select $1, i, '0x' || lpad(to_hex(i % 50 + 1), 40, '0'), '0x' || lpad(to_hex(i % 3 + 1), 40, 'a'),
         1000000000, 4000000000, 4000100000, ($2::text[])[i % $3 + 1], '0x' || repeat('bb', 32), '0x' || repeat('cc', 32),
         900000000, 'HigherIsBetter', 0, 3600, '0x' || repeat('ab', 20), 0, 3600, 3600, 3600, false, 250,
         (array['Funding','Funded','Fulfilled','Failed','Cancelled'])[i % 5 + 1],
         (i * 7919) % 2000000000, i % 97, i, '0x' || lpad(to_hex(i), 64, '0')
       from generate_series(1, $4::int) as i`,
      [CHAIN_ID, hashes, hashes.length, BOUNTIES],
    );
    // The fulfilled ones have a best score (accuracy-like, target 0.9) and its margin, for the best-score board.
    await client.query(
      `update bounties set best_submission_id = bounty_id, best_score = 900000000 + (bounty_id * 7919) % 100000000,
         best_margin = ((bounty_id * 7919) % 100000000)::float8 / 100000000
       where chain_id = $1 and status = 'Fulfilled'`,
      [CHAIN_ID],
    );
    // Contributions in chunks, so one statement never holds a million rows in memory.
    const CHUNK = 100_000;
    for (let start = 0; start < CONTRIBUTIONS; start += CHUNK) {
      await client.query(
        `insert into contributions (chain_id, tx_hash, log_index, block_number, block_hash, bounty_id, backer, amount, raised_after)
         select $1, '0x' || lpad(to_hex(i), 64, '0'), 0, 1000 + i, '0x' || lpad(to_hex(i), 64, 'f'),
           i % $2 + 1, '0x' || lpad(to_hex(i % 5000), 40, '0'), 1000000, 1000000
         from generate_series($3::int, $4::int) as i`,
        [CHAIN_ID, BOUNTIES, start + 1, Math.min(CONTRIBUTIONS, start + CHUNK)],
      );
    }
    // As autovacuum leaves a live database: statistics, and a visibility map, without which a count
    // (the list page's total) must visit every row rather than read its index alone.
    await client.query("vacuum analyze");
    // Write the load's dirty pages out now, not during the timed runs (a checkpoint after a million
    // inserts takes the disk and a core for tens of seconds). Needs superuser or pg_checkpoint.
    await client.query("checkpoint").catch((error: Error) => say(`checkpoint skipped: ${error.message}`));
  } finally {
    await client.end();
  }
}

/** One GET, as a browser asks for it (gzip accepted); the status and the body as sent (undecoded). */
function get(url: string, agent: http.Agent): Promise<{ status: number; body: Buffer; gzipped: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { "accept-encoding": "gzip" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks),
            gzipped: response.headers["content-encoding"] === "gzip",
          }),
        );
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

/**
 * N requests to `path`, K at a time over K kept-alive connections (those of `kept` when given, so that
 * rounds reuse their connections); each must answer 200. Latencies in ms, sorted. node:http rather than
 * fetch: the load generator shares the two cores with the server, and fetch (with its decompression)
 * costs about three times as much CPU per request.
 */
async function timeRequests(
  base: string,
  path: string,
  n: number,
  concurrency: number,
  kept?: http.Agent,
): Promise<number[]> {
  const latencies: number[] = [];
  const agent = kept ?? new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const started = performance.now();
        const response = await get(`${base}${path}`, agent);
        latencies.push(performance.now() - started);
        if (response.status !== 200) {
          const text = (response.gzipped ? gunzipSync(response.body) : response.body).toString("utf8");
          throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
        }
      }
    }),
  );
  if (!kept) agent.destroy();
  return latencies.sort((a, b) => a - b);
}

/** The timed runs against the server at `base`: every page at each concurrency; prints the JSON line. */
async function measure(base: string): Promise<void> {
  const pages = {
    home: "/",
    list: "/bounties?status=Funding&sort=backers&page=3",
    funding: "/bounties",
  };
  // A server that has just started runs its code unoptimized for a few hundred requests: warm every
  // page up first, so the figures are the steady state a running site sees, whichever page goes first.
  for (const path of Object.values(pages)) await timeRequests(base, path, WARM_UP, CONCURRENCY);
  const results: Record<string, { p50: number; p95: number }> = {};
  for (const concurrency of [CONCURRENCY, ...ALSO.filter((c) => c !== CONCURRENCY)]) {
    // The pages take turns, a chunk of requests each per round, so none is favored by when it runs: this
    // machine drifts by tens of percent within minutes, and timed one after the other, whichever page
    // went first measured worst (home 47 ms and list 32 ms at p95 in one order, 41 and 39 in the other).
    const timed = Object.entries(pages).map(([name, path]) => ({
      name,
      path,
      latencies: [] as number[],
      ms: 0,
      agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
    }));
    for (const page of timed) {
      await timeRequests(base, page.path, Math.min(50, REQUESTS), concurrency, page.agent); // settle
    }
    for (let round = 0; round < ROUNDS; round++) {
      const chunk = Math.floor(REQUESTS / ROUNDS) + (round < REQUESTS % ROUNDS ? 1 : 0);
      // Each round starts with the next page, so none always follows the same one.
      for (let turn = 0; turn < timed.length; turn++) {
        const page = timed[(round + turn) % timed.length] as (typeof timed)[number];
        const started = performance.now();
        page.latencies.push(...(await timeRequests(base, page.path, chunk, concurrency, page.agent)));
        page.ms += performance.now() - started;
      }
    }
    for (const { name, path, latencies, ms, agent } of timed) {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p95 = percentile(latencies, 95);
      if (concurrency === CONCURRENCY) results[name] = { p50, p95 };
      say(
        `concurrency ${String(concurrency).padStart(2)}  ${name.padEnd(7)} p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${((latencies.length * 1000) / ms).toFixed(0)} req/s  (${path})`,
      );
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: "web",
      bounties: BOUNTIES,
      contributions: CONTRIBUTIONS,
      concurrency: CONCURRENCY,
      home_p95_ms: Number(results.home?.p95.toFixed(1)),
      list_p95_ms: Number(results.list?.p95.toFixed(1)),
      funding_p95_ms: Number(results.funding?.p95.toFixed(1)),
    })}\n`,
  );
}

// Ctrl-C (the way out of --hold) or an interruption while seeding or timing: everything started goes too.
const cleanups = new Cleanups(say);

try {
  const database = await benchDatabase(cleanups, say);
  const dbUrl = database.url;
  const redis = await startRedis({
    port: await freePort(),
    onSpawn: (proc) => cleanups.add(() => proc.stop(5_000)),
  });
  const build = buildWeb("bench-web");
  cleanups.add(() => build.remove());

  say(`bench:web: ${database.where}, ${BOUNTIES} bounties, ${CONTRIBUTIONS} contributions`);
  const handle = await openDb({ kind: "postgres", url: dbUrl });
  await migrateDb(handle);
  for (const spec of Object.values(exampleSpecs)) await registerSpec(handle.db, spec);
  await handle.close();
  const started = performance.now();
  await seed(dbUrl);
  say(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const profileDir = process.env.BENCH_CPU_PROF;
  const web = await serveWeb(
    build,
    { RPC_URL: "http://127.0.0.1:9", REDIS_URL: redis.url, DATABASE_URL: dbUrl, TOKEN_PRICES },
    profileDir
      ? {
          nodeArgs: [
            "--cpu-prof",
            `--cpu-prof-dir=${path.resolve(profileDir)}`,
            "-r",
            path.join(import.meta.dirname, "lib/exit-on-signal.cjs"),
          ],
        }
      : {},
  );
  cleanups.add(() => web.server.stop(5_000));
  await webReady(web);
  if (values.hold) {
    say(`serving ${web.url} (--hold: Ctrl-C to stop and clean up)`);
    // Until Ctrl-C: Cleanups' signal handler cleans up and exits (the timer keeps the process up meanwhile).
    await new Promise(() => setInterval(() => {}, 60_000));
  } else {
    await measure(web.url);
  }
} finally {
  await cleanups.run();
}
