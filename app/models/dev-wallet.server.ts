/**
 * The dev wallet's accounts (anvil's test accounts), each labelled with the parts it plays: the roles it
 * holds on the board (read from the indexed roles: DAO, evaluator, admin), then its part in `npm run dev`'s
 * demo (backer, trainer, newcomer: core/dev-chain.ts), so the connect dialog says which account to pick.
 */
import { and, eq, inArray } from "drizzle-orm";
import { BOARD_ROLES, type BoardRole } from "../../core/board.js";
import { anvilAccount, demoParts } from "../../core/dev-chain.js";
import type { Database } from "../../db/client.js";
import { roles } from "../../db/schema/index.js";
import { DEV_WALLET_ACCOUNTS } from "../../server/env.js";
import type { DevAccount } from "../wagmi.js";

const LABELS: [BoardRole, string][] = [
  ["DAO_ROLE", "DAO"],
  ["EVALUATOR_ROLE", "evaluator"],
  ["DEFAULT_ADMIN_ROLE", "admin"],
];

export async function devAccounts(db: Database, chainId: number): Promise<DevAccount[]> {
  const addresses = Array.from({ length: DEV_WALLET_ACCOUNTS }, (_, index) => anvilAccount(index).address);
  const held = await db
    .select({ role: roles.role, account: roles.account })
    .from(roles)
    .where(
      and(
        eq(roles.chainId, chainId),
        eq(roles.granted, true),
        inArray(
          roles.account,
          addresses.flatMap((a) => [a, a.toLowerCase()]),
        ),
      ),
    );
  return addresses.map((address, index) => {
    const mine = new Set(
      held.filter((h) => h.account.toLowerCase() === address.toLowerCase()).map((h) => h.role),
    );
    const onChain = LABELS.filter(([role]) => mine.has(BOARD_ROLES[role])).map(([, name]) => name);
    return { address, label: [...new Set([...onChain, ...demoParts(index)])].join(", ") };
  });
}
