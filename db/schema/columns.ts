import { bigint, integer, numeric, text } from "drizzle-orm/pg-core";

/** A uint256 (or int256) amount: numeric(78,0), read and written as a decimal string. */
export const amount = (name: string) => numeric(name, { precision: 78, scale: 0 });

/**
 * The columns every chain-derived row carries: where the log that produced it
 * sits. Event rows are keyed on (chain_id, tx_hash, log_index), so replaying a
 * block range writes nothing twice, and block_number lets a reorg roll them back.
 */
export const eventColumns = () => ({
  chainId: integer("chain_id").notNull(),
  txHash: text("tx_hash").notNull(),
  logIndex: integer("log_index").notNull(),
  blockNumber: bigint("block_number", { mode: "number" }).notNull(),
  blockHash: text("block_hash").notNull(),
});
