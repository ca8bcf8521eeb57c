/** Bounty specs and revealed checkpoints as the platform stores them (jobs/bounties), for loaders and actions. */
import { registerSpec } from "../../jobs/bounties/index.js";
import { dispatchWaitingForSpec } from "../../jobs/dispatch/index.js";
import type { Services } from "../services.server.js";

export { findSpec, isCheckpointRevealed } from "../../jobs/bounties/index.js";

/**
 * Stores a spec (see registerSpec) and dispatches the Funded bounties that were waiting for it. Queueing
 * them is best effort: the spec is stored either way, and with Redis down the bounty page says the bounty
 * is not queued (an operator runs `npm run training -- retry <id>`).
 */
export async function registerSpecAndDispatch(
  { db, config, dispatchQueue, log }: Pick<Services, "db" | "config" | "dispatchQueue" | "log">,
  input: unknown,
): ReturnType<typeof registerSpec> {
  const registered = await registerSpec(db.db, input);
  try {
    const bountyIds = await dispatchWaitingForSpec(
      db.db,
      dispatchQueue,
      config.CHAIN_ID,
      registered.specHash,
    );
    if (bountyIds.length > 0) {
      log.info({ specHash: registered.specHash, bountyIds }, "bounties waiting for this spec dispatched");
    }
  } catch (error) {
    log.warn({ specHash: registered.specHash, err: error }, "could not dispatch bounties waiting for a spec");
  }
  return registered;
}
