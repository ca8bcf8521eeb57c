import { bigint, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Contracts deployed on each chain, projected from the deployment file by the
 * `sync-deployment` job after checking the code is really on-chain.
 * One row per (chain, contract name): a redeploy replaces the row.
 */
export const deployments = pgTable(
  "deployments",
  {
    chainId: integer("chain_id").notNull(),
    name: text("name").notNull(),
    address: text("address").notNull(),
    txHash: text("tx_hash").notNull(),
    blockNumber: bigint("block_number", { mode: "number" }).notNull(),
    deployer: text("deployer").notNull(),
    deployedAt: timestamp("deployed_at", { withTimezone: true }).notNull(),
    syncedAt: timestamp("synced_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.chainId, table.name] })],
);

export type DeploymentRow = typeof deployments.$inferSelect;
