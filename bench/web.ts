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
import { parseArgs } from "node:util";
import { exampleSpecs } from "../core/spec.examples.js";
import { migrateDb, openDb } from "../db/client.js";
import { registerSpec } from "../jobs/bounties/index.js";
import { freePort } from "../scripts/lib/processes.js";
import { startRedis } from "../scripts/lib/services.js";
import { buildWeb, serveWeb, webReady } from "../test/setup/web.js";
import { Cleanups } from "./lib/cleanups.js";
import { benchDatabase } from "./lib/database.js";
import { cpuProfileOptions } from "./lib/profile.js";
import { percentile, seed, TOKEN_PRICES, timeRequests } from "./lib/web-seed.js";

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
/** Rounds the timed requests of each page are split into, the pages taking turns (see `measure`). */
const ROUNDS = 5;
/** Requests per page before any is timed (see the warm-up below). */
const WARM_UP = 300;
const say = (message: string) => process.stderr.write(`${message}\n`);

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
  await seed(dbUrl, { bounties: BOUNTIES, contributions: CONTRIBUTIONS, say });
  say(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const web = await serveWeb(
    build,
    // The shared page cache off: this bench measures what a render costs (bench:load measures the cache).
    {
      RPC_URL: "http://127.0.0.1:9",
      REDIS_URL: redis.url,
      DATABASE_URL: dbUrl,
      TOKEN_PRICES,
      PAGE_CACHE_FRESH_MS: "0",
    },
    cpuProfileOptions(),
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
