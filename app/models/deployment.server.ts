import { asc, eq } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import type { Database } from "../../db/client.server.js";
import { type DeploymentRow, deployments } from "../../db/schema/index.js";

/** The contracts the platform knows on `chainId`, by name. */
export function listDeployments(db: Database, chainId: number): Promise<DeploymentRow[]> {
  return db.select().from(deployments).where(eq(deployments.chainId, chainId)).orderBy(asc(deployments.name));
}

const CACHE_MS = 5_000;
let cached: { chainId: number; at: number; value: PlatformContracts } | undefined;

export interface PlatformContracts {
  board: Address | null;
  /** The dev chain's test token (anvil only). */
  testToken: Address | null;
}

/**
 * The addresses wallet actions talk to, read from the deployments the worker synced. Every page's root
 * loader asks, so it is cached for a few seconds (a new deployment is a rare event).
 */
export async function platformContracts(db: Database, chainId: number): Promise<PlatformContracts> {
  if (cached && cached.chainId === chainId && Date.now() - cached.at < CACHE_MS) return cached.value;
  const rows = await listDeployments(db, chainId);
  const find = (name: string) => {
    const row = rows.find((r) => r.name === name);
    return row ? getAddress(row.address) : null;
  };
  const value = { board: find("BountyBoard"), testToken: find("TestToken") };
  cached = { chainId, at: Date.now(), value };
  return value;
}
