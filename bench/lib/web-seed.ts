/**
 * What the web benches share: the seed (tokens, bounties, contributions, in SQL, as the indexer would
 * leave them), and a node:http load generator (kept-alive connections, gzip accepted).
 */
import http from "node:http";
import { gunzipSync } from "node:zlib";
import pg from "pg";
import { exampleSpecs } from "../../core/spec.examples.js";
import { specHash } from "../../core/spec.js";

const CHAIN_ID = 31_337;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** The three tokens bounties are funded in: address, symbol, decimals. */
export const TOKENS = [1, 2, 3].map((n, i) => ({
  address: `0x${n.toString(16).padStart(40, "a")}`,
  symbol: ["SIX", "NINE", "EIGHTEEN"][i] as string,
  decimals: [6, 9, 18][i] as number,
}));
/** A reference price for the 9-decimal token, so the normalized order differs from the base-unit order. */
export const TOKEN_PRICES = `${TOKENS[1]?.address}=2.5`;

/** Seeds tokens, bounties (spread over statuses, tokens, DAOs and the example specs) and contributions, in SQL. */
export async function seed(
  url: string,
  { bounties, contributions, say }: { bounties: number; contributions: number; say: (line: string) => void },
): Promise<void> {
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
      [CHAIN_ID, hashes, hashes.length, bounties],
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
    for (let start = 0; start < contributions; start += CHUNK) {
      await client.query(
        `insert into contributions (chain_id, tx_hash, log_index, block_number, block_hash, bounty_id, backer, amount, raised_after)
         select $1, '0x' || lpad(to_hex(i), 64, '0'), 0, 1000 + i, '0x' || lpad(to_hex(i), 64, 'f'),
           i % $2 + 1, '0x' || lpad(to_hex(i % 5000), 40, '0'), 1000000, 1000000
         from generate_series($3::int, $4::int) as i`,
        [CHAIN_ID, bounties, start + 1, Math.min(contributions, start + CHUNK)],
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
export function get(
  url: string,
  agent: http.Agent,
): Promise<{ status: number; body: Buffer; gzipped: boolean }> {
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
export async function timeRequests(
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
