/**
 * Pools for the web app: the bearer-token guard of the pool agents' API, and
 * the lease actions mapped to HTTP answers.
 */
import { and, asc, eq } from "drizzle-orm";
import type { LeaseView } from "../../core/pool-api.js";
import type { Database } from "../../db/client.js";
import { leases, type PoolRow, pools } from "../../db/schema/index.js";
import {
  DispatchError,
  type Lease,
  poolFits,
  poolForToken,
  requirementsOf,
} from "../../jobs/dispatch/index.js";
import { type Services, services } from "../services.server.js";
import { apiError } from "../utils/api.server.js";

/** The pool whose token authorizes `request`; throws a 401 Response otherwise. */
export async function requirePool(request: Request): Promise<{ pool: PoolRow; services: Services }> {
  const s = await services();
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw apiError(401, "missing bearer token: send Authorization: Bearer <pool token>");
  }
  const pool = await poolForToken(s.db.db, match[1]);
  if (!pool) throw apiError(401, "unknown, revoked or disabled pool token");
  return { pool, services: s };
}

/** Runs a dispatcher call, turning its refusals (403, 404, 409, 429) into JSON error responses. */
export async function leaseCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DispatchError) throw apiError(error.status, error.message);
    throw error;
  }
}

export function leaseView(lease: Lease): LeaseView {
  return {
    leaseId: lease.leaseId,
    jobId: lease.jobId,
    attempt: lease.attempt,
    expiresAt: lease.expiresAt,
    heartbeatIntervalMs: lease.heartbeatIntervalMs,
    bounty: {
      chainId: lease.job.chainId,
      bountyId: lease.job.bountyId,
      board: lease.job.board,
      token: lease.job.token,
      specHash: lease.job.specHash,
    },
    spec: lease.job.spec,
  };
}

export interface PoolOverview {
  id: string;
  name: string;
  operator: string;
  gpuModel: string;
  gpuCount: number;
  vramGb: number;
  maxLeases: number;
  status: string;
  lastHeartbeatAt: string | null;
  /**
   * Whether its agent is alive: it called (a heartbeat, a lease or a long poll, which it keeps open while
   * idle) within `onlineWithinMs`.
   */
  online: boolean;
  /** The training classes it can take (of those the dispatcher knows), e.g. "1 GPU, 24 GB or more". */
  classes: { name: string; label: string }[] | null;
  activeLeases: { leaseId: string; bountyId: string; percent: number | null; progressAt: string | null }[];
}

/** A training class in words: "CPU", "1 GPU, 24 GB or more", "4 GPUs, 80 GB or more each". */
export function classLabel(name: string): string {
  const req = requirementsOf(name);
  if (!req) return name;
  if (req.gpus === 0) return req.minVramGb > 0 ? `CPU, ${req.minVramGb} GB or more` : "CPU";
  return `${req.gpus} GPU${req.gpus === 1 ? "" : "s"}, ${req.minVramGb} GB or more${req.gpus === 1 ? "" : " each"}`;
}

/**
 * Every pool with its capacity, its live leases (from the lease records), when its agent last called and
 * whether that makes it online, and the classes it fits among `classes` (the dispatcher's; null when they
 * could not be read).
 */
export async function poolsOverview(
  db: Database,
  chainId: number,
  options: { classes: string[] | null; onlineWithinMs: number; now?: number },
): Promise<PoolOverview[]> {
  const now = options.now ?? Date.now();
  const [rows, active] = await Promise.all([
    db.select().from(pools).orderBy(asc(pools.name)),
    db
      .select({
        poolId: leases.poolId,
        leaseId: leases.id,
        bountyId: leases.bountyId,
        percent: leases.percent,
        progressAt: leases.progressAt,
      })
      .from(leases)
      .where(and(eq(leases.chainId, chainId), eq(leases.status, "active")))
      .orderBy(asc(leases.leasedAt)),
  ]);
  return rows.map((pool) => ({
    id: pool.id,
    name: pool.name,
    operator: pool.operator,
    gpuModel: pool.gpuModel,
    gpuCount: pool.gpuCount,
    vramGb: pool.vramGb,
    maxLeases: pool.maxLeases,
    status: pool.status,
    lastHeartbeatAt: pool.lastHeartbeatAt?.toISOString() ?? null,
    online: pool.lastHeartbeatAt !== null && now - pool.lastHeartbeatAt.getTime() <= options.onlineWithinMs,
    classes:
      options.classes
        ?.filter((name) => {
          const req = requirementsOf(name);
          return req !== undefined && poolFits(pool, req);
        })
        .sort()
        .map((name) => ({ name, label: classLabel(name) })) ?? null,
    activeLeases: active
      .filter((lease) => lease.poolId === pool.id)
      .map(({ leaseId, bountyId, percent, progressAt }) => ({
        leaseId,
        bountyId,
        percent,
        progressAt: progressAt?.toISOString() ?? null,
      })),
  }));
}

export { rotatePoolToken } from "../../jobs/dispatch/index.js";

/** The pool with this id, if any. */
export async function poolById(db: Database, id: string): Promise<PoolRow | undefined> {
  const [pool] = await db.select().from(pools).where(eq(pools.id, id));
  return pool;
}
