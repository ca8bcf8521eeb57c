/**
 * The demo DAOs at work (dev only: `npm run dev` runs this beside a seeded demo on anvil). What a DAO does by
 * hand on a real chain, done for the demo's DAOs so that a newcomer sees a bounty go all the way untouched:
 *
 * - a bounty of theirs that was finalized (Verifying) gets its eval set revealed (`revealEvalSet`), which
 *   starts the verification period; the keeper unlocks the payout after it;
 * - a bounty of theirs that is Fulfilled gets one revenue deposit (REVENUE ctUSD), which its backers can
 *   then claim.
 *
 * Reads the index (DATABASE_URL) and sends from the DAOs' anvil keys (RPC_URL). Every 2 s; each action is
 * logged on one line.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import { anvilAccount } from "../core/dev-chain.js";
import { openDb } from "../db/client.js";
import { bounties, payments } from "../db/schema/index.js";
import { evalSetRevealFor } from "../jobs/evalsets/index.js";
import { readDeployment } from "../server/chain.js";
import { envOrExit } from "../server/env.js";
import { boardClients, usd } from "./lib/board-client.js";
import { DEMO_DAOS } from "./lib/demo-seed.js";

/** The demo revenue deposited into each fulfilled demo bounty, in whole ctUSD. */
const REVENUE = 100;

const config = envOrExit();
const say = (line: string) => process.stdout.write(`${line}\n`);
const deployment = await readDeployment(config, config.CHAIN_ID);
if (!deployment) {
  console.error(`demo-dao: no deployment for chain ${config.CHAIN_ID} in ${config.DEPLOYMENTS_DIR}`);
  process.exit(1);
}
const handle = await openDb({ kind: "postgres", url: config.DATABASE_URL ?? "" });
const c = boardClients(config.RPC_URL, deployment);
const daos = DEMO_DAOS.map((index) => anvilAccount(index));
const byAddress = new Map(daos.map((dao) => [dao.address.toLowerCase(), dao]));
const webUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
/** Sent, not indexed yet: never sent twice. */
const done = new Set<string>();

async function revealFinalized(): Promise<void> {
  const verifying = await handle.db
    .select({ bountyId: bounties.bountyId, dao: bounties.dao, commitment: bounties.evalSetCommitment })
    .from(bounties)
    .where(
      and(
        eq(bounties.chainId, config.CHAIN_ID),
        eq(bounties.status, "Verifying"),
        isNull(bounties.evalSetRevealedAt),
      ),
    );
  for (const bounty of verifying) {
    const dao = byAddress.get(bounty.dao.toLowerCase());
    const key = `reveal-${bounty.bountyId}`;
    if (!dao || done.has(key)) continue;
    const reveal = await evalSetRevealFor(handle.db, config.CHAIN_ID, bounty.bountyId, dao.address);
    if (!reveal) continue;
    const uri = `${webUrl}/eval-sets/${bounty.commitment.toLowerCase()}`;
    await c.send(dao, "revealEvalSet", [BigInt(bounty.bountyId), reveal.sha256, reveal.salt, uri]);
    done.add(key);
    say(
      `DAO ${dao.address} revealed the eval set of bounty #${bounty.bountyId}: its verification period starts`,
    );
  }
}

async function depositRevenue(): Promise<void> {
  const fulfilled = await handle.db
    .select({ bountyId: bounties.bountyId, dao: bounties.dao })
    .from(bounties)
    .where(and(eq(bounties.chainId, config.CHAIN_ID), eq(bounties.status, "Fulfilled")));
  const ours = fulfilled.filter((b) => byAddress.has(b.dao.toLowerCase()));
  if (ours.length === 0) return;
  const deposited = new Set(
    (
      await handle.db
        .select({ bountyId: payments.bountyId })
        .from(payments)
        .where(
          and(
            eq(payments.chainId, config.CHAIN_ID),
            eq(payments.kind, "revenue_deposit"),
            inArray(
              payments.bountyId,
              ours.map((b) => b.bountyId),
            ),
          ),
        )
    ).map((row) => row.bountyId),
  );
  for (const bounty of ours) {
    const key = `revenue-${bounty.bountyId}`;
    if (deposited.has(bounty.bountyId) || done.has(key)) continue;
    const dao = byAddress.get(bounty.dao.toLowerCase());
    if (!dao) continue;
    await c.approveAll([dao]);
    await c.send(dao, "depositRevenue", [BigInt(bounty.bountyId), usd(REVENUE)]);
    done.add(key);
    say(
      `DAO ${dao.address} deposited ${REVENUE} ctUSD of revenue into bounty #${bounty.bountyId}: its backers can claim their shares`,
    );
  }
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stopping = true;
  });
}
say(
  `demo DAOs ${daos.map((d) => d.address).join(", ")}: revealing finalized eval sets and depositing revenue`,
);
while (!stopping) {
  try {
    await revealFinalized();
    await depositRevenue();
  } catch (error) {
    say(`demo-dao: ${(error as Error).message.split("\n")[0]} (trying again)`);
  }
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}
await handle.close();
