/** An indexer over a test deployment's BountyBoard on anvil, with the settings every test uses. */
import type { Hex } from "viem";
import { createLogger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { Indexer, type IndexerOptions } from "../../jobs/indexer/indexer.js";
import type { Deployment } from "../../server/chain.js";
import { createChainClient } from "../../server/chain.js";

export function testIndexer(
  db: Database,
  rpcUrl: string,
  deployment: Deployment,
  overrides: Partial<IndexerOptions> = {},
): Indexer {
  const board = deployment.contracts.BountyBoard;
  if (!board) throw new Error("the deployment has no BountyBoard");
  return new Indexer({
    db,
    chain: createChainClient(rpcUrl),
    chainId: deployment.chainId,
    board: board.address as Hex,
    fromBlock: board.blockNumber,
    confirmations: 0,
    reorgWindow: 64,
    maxRange: 5_000,
    queues: {},
    log: createLogger("test", "silent"),
    ...overrides,
  });
}
