/**
 * `sync-deployment`: checks that each contract of a deployment really is on the
 * configured chain (the RPC serves that chain id, the creation receipt names
 * that address, code is there) and upserts the rows. Idempotent: replaying the
 * job rewrites the same rows.
 */
import { UnrecoverableError } from "bullmq";
import { sql } from "drizzle-orm";
import { type Hex, type PublicClient, TransactionReceiptNotFoundError } from "viem";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { deployments } from "../../db/schema/index.js";
import { syncDeploymentPayload } from "../queues.js";

export interface SyncDeploymentDeps {
  db: Database;
  chain: PublicClient;
  log: Logger;
}

export async function syncDeployment(data: unknown, deps: SyncDeploymentDeps): Promise<{ synced: number }> {
  const parsed = syncDeploymentPayload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid sync-deployment payload: ${parsed.error.message}`);
  }
  const deployment = parsed.data;

  const rpcChainId = await deps.chain.getChainId();
  if (rpcChainId !== deployment.chainId) {
    throw new UnrecoverableError(
      `deployment is for chain ${deployment.chainId} but the RPC serves chain ${rpcChainId}`,
    );
  }

  for (const [name, contract] of Object.entries(deployment.contracts)) {
    // A missing receipt is a fact about this chain (permanent); a timeout or a refused
    // connection is not, so those errors propagate and BullMQ retries with backoff.
    const receipt = await deps.chain
      .getTransactionReceipt({ hash: contract.txHash as Hex })
      .catch((error: unknown) => {
        if (error instanceof TransactionReceiptNotFoundError) return null;
        throw error;
      });
    if (!receipt) {
      throw new UnrecoverableError(`${name}: creation transaction ${contract.txHash} is not on chain`);
    }
    if (receipt.contractAddress?.toLowerCase() !== contract.address.toLowerCase()) {
      throw new UnrecoverableError(
        `${name}: transaction ${contract.txHash} created ${receipt.contractAddress ?? "no contract"}, not ${contract.address}`,
      );
    }
    const code = await deps.chain.getCode({ address: contract.address as Hex });
    if (!code || code === "0x") {
      throw new UnrecoverableError(`${name}: no contract code at ${contract.address}`);
    }
  }

  const rows = Object.entries(deployment.contracts).map(([name, contract]) => ({
    chainId: deployment.chainId,
    name,
    address: contract.address,
    txHash: contract.txHash,
    blockNumber: contract.blockNumber,
    deployer: deployment.deployer,
    deployedAt: new Date(deployment.deployedAt),
  }));
  if (rows.length > 0) {
    await deps.db
      .insert(deployments)
      .values(rows)
      .onConflictDoUpdate({
        target: [deployments.chainId, deployments.name],
        set: {
          address: sql`excluded.address`,
          txHash: sql`excluded.tx_hash`,
          blockNumber: sql`excluded.block_number`,
          deployer: sql`excluded.deployer`,
          deployedAt: sql`excluded.deployed_at`,
          syncedAt: sql`now()`,
        },
      });
  }
  deps.log.info(
    { chainId: deployment.chainId, contracts: rows.map((r) => `${r.name}@${r.address}`) },
    "deployment synced",
  );
  return { synced: rows.length };
}
