/**
 * GET /healthz: JSON reachability of db, Redis and chain. 200 when all are ok,
 * 503 with `failing` naming the broken parts otherwise.
 */

import { services } from "../services.server.js";
import { onlyMethods } from "../utils/api.server.js";
import { checkHealth } from "../utils/health.server.js";

export async function loader() {
  const { db, redis, chain, config } = await services();
  const report = await checkHealth({
    db: db.db,
    redis,
    chain,
    expectedChainId: config.CHAIN_ID,
    timeoutMs: config.HEALTH_TIMEOUT_MS,
  });
  return Response.json(report, {
    status: report.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
