import { and, asc, eq } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import type { Database } from "../../db/client.js";
import { type DeploymentRow, deployments } from "../../db/schema/index.js";

/**
 * The contracts the platform knows on `chainId`, by name. An async function, so callers get a settled
 * promise: drizzle's query builder is a thenable that runs its query again on every `await`.
 */
export async function listDeployments(db: Database, chainId: number): Promise<DeploymentRow[]> {
  return await db
    .select()
    .from(deployments)
    .where(eq(deployments.chainId, chainId))
    .orderBy(asc(deployments.name));
}

const CACHE_MS = 5_000;
let cached: { chainId: number; at: number; rows: Promise<DeploymentRow[]> } | undefined;

/**
 * `listDeployments`, remembered for a few seconds: every page's root loader asks (through
 * `platformContracts`), and so does the home page, and a new deployment is a rare event.
 */
export function knownDeployments(db: Database, chainId: number): Promise<DeploymentRow[]> {
  if (cached && cached.chainId === chainId && Date.now() - cached.at < CACHE_MS) return cached.rows;
  const rows = listDeployments(db, chainId);
  const entry = { chainId, at: Date.now(), rows };
  cached = entry;
  // A failed read is not remembered: the next request asks again.
  rows.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return rows;
}

/**
 * The BountyBoard address on `chainId`, as the worker synced it from the deployment file (jobs/deployments/sync.ts),
 * or undefined while none is known. The one lookup every domain uses.
 */
export async function boardAddressOn(db: Database, chainId: number): Promise<Address | undefined> {
  const [row] = await db
    .select({ address: deployments.address })
    .from(deployments)
    .where(and(eq(deployments.chainId, chainId), eq(deployments.name, "BountyBoard")));
  return row ? getAddress(row.address) : undefined;
}

/** `boardAddressOn`, for callers that cannot go on without one: throws a message that says so. */
export async function requireBoardAddress(db: Database, chainId: number): Promise<Address> {
  const board = await boardAddressOn(db, chainId);
  if (!board) throw new Error(`no BountyBoard deployment known on chain ${chainId} yet`);
  return board;
}

export interface PlatformContracts {
  board: Address | null;
  /** The dev chain's test token (anvil only). */
  testToken: Address | null;
}

/** The addresses wallet actions talk to, read from the deployments the worker synced (`knownDeployments`). */
export async function platformContracts(db: Database, chainId: number): Promise<PlatformContracts> {
  const rows = await knownDeployments(db, chainId);
  const find = (name: string) => {
    const row = rows.find((r) => r.name === name);
    return row ? getAddress(row.address) : null;
  };
  return { board: find("BountyBoard"), testToken: find("TestToken") };
}
