/**
 * `npm run bench:load [-- --seconds S --connections K --bounties B --contributions C]`: the public pages
 * under load, as anonymous visitors see them. Seeds B bounties (default 10,000) and C contributions
 * (default 1,000,000) into a fresh database (bench/lib/database.ts), serves a production build with the
 * web process as it runs in production (server/web.ts: its checks, headers and the shared page cache), and
 * for S seconds (default 20, after 5 s of warm-up) keeps K connections (default 50) busy with a mix of
 * the home page, list pages, bounty pages and their JSON. Every answer must be a 200.
 *
 * The last line is one JSON object: rps, p50_ms, p95_ms, p99_ms, errors. The load generator (node:http,
 * kept-alive connections, gzip accepted) shares the machine's cores with the server. BENCH_CPU_PROF=<dir>
 * writes the server's CPU profile there (bench/lib/profile.ts).
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
import { get, percentile, seed, TOKEN_PRICES } from "./lib/web-seed.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    bounties: { type: "string", default: "10000" },
    contributions: { type: "string", default: "1000000" },
  },
});
const int = (name: keyof typeof values, min: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
};
const SECONDS = int("seconds", 1);
const CONNECTIONS = int("connections", 1);
const BOUNTIES = int("bounties", 10);
const CONTRIBUTIONS = int("contributions", 0);
const say = (message: string) => process.stderr.write(`${message}\n`);

/** The mix: what anonymous visitors ask for, weighted towards the home page and the lists. */
function paths(): string[] {
  const some = (n: number) =>
    Array.from({ length: n }, (_, i) => 1 + Math.floor(((i + 1) * BOUNTIES) / (n + 1)));
  return [
    "/",
    "/",
    "/bounties",
    "/bounties?status=Funding&sort=backers&page=3",
    "/bounties?status=Funded",
    ...some(20).map((id) => `/bounties/${id}`),
    ...some(10).map((id) => `/api/bounties/${id}`),
  ];
}

/** K loops over kept-alive connections for `ms`; latencies (sorted) and errors. */
async function load(
  base: string,
  ms: number,
): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const mix = paths();
  const latencies: number[] = [];
  let errors = 0;
  let turn = 0;
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const path = mix[turn++ % mix.length] as string;
        const t0 = performance.now();
        try {
          const answer = await get(`${base}${path}`, agent);
          if (answer.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  agent.destroy();
  return {
    latencies: latencies.sort((a, b) => a - b),
    errors,
    seconds: (performance.now() - started) / 1_000,
  };
}

const cleanups = new Cleanups(say);
try {
  const database = await benchDatabase(cleanups, say);
  const redis = await startRedis({
    port: await freePort(),
    onSpawn: (proc) => cleanups.add(() => proc.stop(5_000)),
  });
  const build = buildWeb("bench-load");
  cleanups.add(() => build.remove());
  say(`bench:load: ${database.where}, ${BOUNTIES} bounties, ${CONTRIBUTIONS} contributions`);
  const handle = await openDb({ kind: "postgres", url: database.url });
  await migrateDb(handle);
  for (const spec of Object.values(exampleSpecs)) await registerSpec(handle.db, spec);
  await handle.close();
  await seed(database.url, { bounties: BOUNTIES, contributions: CONTRIBUTIONS, say });
  const web = await serveWeb(
    build,
    {
      RPC_URL: "http://127.0.0.1:9",
      REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      TOKEN_PRICES,
      LOG_LEVEL: "warn",
    },
    cpuProfileOptions(),
  );
  cleanups.add(() => web.server.stop(5_000));
  await webReady(web);

  await load(web.url, 5_000); // warm-up: the JIT, the pools, the cache
  const { latencies, errors, seconds } = await load(web.url, SECONDS * 1_000);
  const result = {
    bench: "load",
    bounties: BOUNTIES,
    contributions: CONTRIBUTIONS,
    connections: CONNECTIONS,
    seconds: Number(seconds.toFixed(1)),
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50_ms: Number(percentile(latencies, 50).toFixed(1)),
    p95_ms: Number(percentile(latencies, 95).toFixed(1)),
    p99_ms: Number(percentile(latencies, 99).toFixed(1)),
    errors,
  };
  say(
    `${result.requests} requests in ${result.seconds} s at ${CONNECTIONS} connections: ${result.rps} req/s, ` +
      `p95 ${result.p95_ms} ms, ${errors} errors`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await cleanups.run();
}
