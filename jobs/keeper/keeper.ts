/**
 * The keeper: moves bounties along when the chain allows it, so nobody has to remember to. Every call it
 * makes is permissionless on the board (docs/decisions/016-protocol-v2.md):
 *
 * - `finalize`: a bounty in Funding past its funding deadline becomes Failed (its backers can be
 *   refunded); a Funded one with no open dispute becomes Verifying (a qualifying best) or Failed once
 *   `finalizableAt(bountyId)` has passed;
 * - `unlockPayout`: a Verifying bounty whose `unlockAt` passed (the verification period after the eval
 *   set's reveal, or the reveal deadline without one) and no dispute is open becomes Fulfilled;
 * - `expireDispute`: a dispute the arbiter left alone past its deadline is dismissed (the verdict stands,
 *   the disputer gets their bond back), so nothing stays blocked on an absent arbiter;
 * - `forfeitBond`: the bond of a trainer of an ended bounty (Fulfilled or Failed) who was marked (a copy,
 *   a disqualification upheld in a dispute) or delivered nothing goes to the bounty's backers.
 *
 * One run (a `finalize-due` job of the `keeper` queue, repeated by a BullMQ job scheduler):
 *
 * 1. Chain time is the latest block's timestamp.
 * 2. Candidates come from the index, at most `maxChecks` of each kind, earliest deadline first.
 * 3. Finalize and unlock candidates are checked on-chain (`finalizableAt`, `unlockAt`: 0 means no longer
 *    in that state or blocked by a dispute; later than chain time means not yet).
 * 4. Each due one is taken with a short Redis lock (another worker's overlapping run skips it), then
 *    simulated (a race lost to someone else reverts: skipped), then sent from the keeper's key; at most
 *    `maxSends` a run, in the order finalize, unlock, expire, forfeit. Receipts are awaited together.
 *
 * Everything it decides is logged, one line per task acted on and a summary per run. RPC failures fail
 * the run (logged by the worker); the next tick is the retry.
 */
import { and, asc, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import {
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  getAddress,
  type Hash,
  type LocalAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOUNTY_STATUS } from "../../core/board.js";
import type { Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { bounties, claims, disputes } from "../../db/schema/index.js";
import type { Env } from "../../server/env.js";
import { serverWallet } from "../../server/signer.js";
import { boardAddressOn } from "../deployments/index.js";

export interface KeeperOptions {
  db: Database;
  chain: PublicClient;
  /** Signs and sends the keeper's transactions (the keeper's key, a local account). */
  wallet: WalletClient<Transport, Chain, LocalAccount>;
  chainId: number;
  /** For the per-task lock that keeps overlapping runs (several workers) from sending twice. */
  redis: Redis;
  /** Key prefix of the locks (QUEUE_PREFIX). */
  prefix: string;
  log: Logger;
  /** Candidates of each kind read from the index and checked per run. */
  maxChecks?: number;
  /** Transactions sent per run. */
  maxSends?: number;
  /** How long a run waits for its transactions' receipts. */
  receiptTimeoutMs?: number;
  /**
   * How long a task's lock lasts: taken before simulating, released with the receipt, so it must
   * outlast `receiptTimeoutMs`; a transaction still unmined by then keeps it until it expires.
   */
  lockMs?: number;
}

/** What the keeper can call. */
export type KeeperAction = "finalize" | "unlockPayout" | "expireDispute" | "forfeitBond";

/** One thing to do: the board call and what it is about. */
type Task =
  | { action: "finalize" | "unlockPayout"; bountyId: string }
  | { action: "expireDispute"; bountyId: string; disputeId: string }
  | { action: "forfeitBond"; bountyId: string; trainer: Address };

/** Which task an outcome is about: the bounty, and the dispute or trainer when the call names one. */
type About = { bountyId: string; action: KeeperAction; disputeId?: string; trainer?: string };

/** What the keeper did about one task. */
export type KeeperOutcome = About &
  (
    | /** finalize was mined; `status` is the bounty's new one. */
    { outcome: "finalized"; status: string; txHash: Hash }
    /** unlockPayout, expireDispute or forfeitBond was mined. */
    | { outcome: "unlocked" | "expired" | "forfeited"; txHash: Hash }
    /** Sent, but it reverted on-chain (someone else's call landed first). */
    | { outcome: "reverted"; txHash: Hash }
    /** Sent; no receipt within the wait (the lock keeps other runs off it until it expires). */
    | { outcome: "pending"; txHash: Hash }
    /** Not due yet, or no longer (done by someone else), or another run holds it: nothing sent. */
    | { outcome: "not-due" | "already-final" | "locked"; reason: string }
    /** The simulation reverted for another reason, or the send failed: nothing (more) to do this run. */
    | { outcome: "error"; reason: string }
  );

export interface KeeperRun {
  /** The latest block's timestamp, the chain time the candidates were chosen by. */
  chainTime: string;
  candidates: number;
  /** Transactions sent. */
  sent: number;
  /** Candidates left for the next run because this one reached `maxSends`. */
  deferred: number;
  results: KeeperOutcome[];
  /** Why nothing was looked at (no board deployed yet). */
  skipped?: string;
}

/** The board error's name and arguments in a failed simulation, if it is a revert. */
function revertOf(error: unknown): { name: string; text: string } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const name = reverted.data?.errorName ?? reverted.reason ?? "unknown revert";
  const args = (reverted.data?.args ?? []).map((arg) => String(arg)).join(", ");
  return { name, text: `${name}(${args})` };
}

const firstLine = (error: unknown) =>
  ((error as Error)?.message ?? String(error)).split("\n")[0] ?? "unknown error";

/** Reverts that mean "someone else did it first" and "not yet", per action. */
const DONE_REVERTS: Record<KeeperAction, string[]> = {
  finalize: ["BountyBoard_WrongStatus"],
  unlockPayout: ["BountyBoard_WrongStatus"],
  expireDispute: ["BountyBoard_DisputeNotOpen"],
  forfeitBond: ["BountyBoard_BondNotForfeitable"],
};
const NOT_YET_REVERTS: Record<KeeperAction, string[]> = {
  finalize: ["BountyBoard_NotFinalizable"],
  unlockPayout: ["BountyBoard_PayoutLocked", "BountyBoard_DisputesOpen"],
  expireDispute: ["BountyBoard_DisputeNotExpired"],
  forfeitBond: [],
};
const DONE_OUTCOME = {
  unlockPayout: "unlocked",
  expireDispute: "expired",
  forfeitBond: "forfeited",
} as const;

function about(task: Task): About {
  return {
    bountyId: task.bountyId,
    action: task.action,
    ...(task.action === "expireDispute" && { disputeId: task.disputeId }),
    ...(task.action === "forfeitBond" && { trainer: task.trainer }),
  };
}

export class Keeper {
  private readonly maxChecks: number;
  private readonly maxSends: number;
  private readonly receiptTimeoutMs: number;
  private readonly lockMs: number;

  constructor(readonly options: KeeperOptions) {
    this.maxChecks = options.maxChecks ?? 100;
    this.maxSends = options.maxSends ?? 20;
    this.receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
    this.lockMs = options.lockMs ?? 5 * 60_000;
    if (this.lockMs <= this.receiptTimeoutMs) {
      throw new Error("the keeper's lock must outlast its wait for a receipt (lockMs > receiptTimeoutMs)");
    }
  }

  get address(): Address {
    return this.options.wallet.account.address;
  }

  private board(): Promise<Address | undefined> {
    return boardAddressOn(this.options.db, this.options.chainId);
  }

  private lockKey(task: Task) {
    const { prefix, chainId } = this.options;
    switch (task.action) {
      case "finalize":
        return `${prefix}:keeper:finalizing:${chainId}:${task.bountyId}`;
      case "unlockPayout":
        return `${prefix}:keeper:unlocking:${chainId}:${task.bountyId}`;
      case "expireDispute":
        return `${prefix}:keeper:expiring:${chainId}:${task.disputeId}`;
      case "forfeitBond":
        return `${prefix}:keeper:forfeiting:${chainId}:${task.bountyId}:${task.trainer}`;
    }
  }

  /** Bounties that may be due for finalize or unlockPayout at `now`, from the index, earliest first. */
  private async bountyCandidates(now: bigint) {
    const t = sql`${now.toString()}::numeric`;
    return this.options.db
      .select({ bountyId: bounties.bountyId, status: bounties.status })
      .from(bounties)
      .where(
        and(
          eq(bounties.chainId, this.options.chainId),
          or(
            and(eq(bounties.status, "Funding"), sql`${bounties.fundingDeadline} <= ${t}`),
            // Before its delivery deadline a Funded bounty can only finalize early, on a qualifying best;
            // an open dispute blocks it either way.
            and(
              eq(bounties.status, "Funded"),
              eq(bounties.openDisputes, 0),
              or(sql`${bounties.deliveryDeadline} <= ${t}`, sql`${bounties.bestSubmissionId} is not null`),
            ),
            and(
              eq(bounties.status, "Verifying"),
              eq(bounties.openDisputes, 0),
              sql`${bounties.unlockAt} <= ${t}`,
            ),
          ),
        ),
      )
      .orderBy(
        asc(
          sql`case ${bounties.status} when 'Funding' then ${bounties.fundingDeadline}
                when 'Verifying' then ${bounties.unlockAt} else ${bounties.deliveryDeadline} end`,
        ),
        asc(bounties.bountyId),
      )
      .limit(this.maxChecks);
  }

  /** Open disputes past their deadline, earliest first. */
  private expiredDisputes(now: bigint) {
    return this.options.db
      .select({ bountyId: disputes.bountyId, disputeId: disputes.disputeId })
      .from(disputes)
      .where(
        and(
          eq(disputes.chainId, this.options.chainId),
          eq(disputes.outcome, "Open"),
          sql`${disputes.deadline} <= ${now.toString()}::numeric`,
        ),
      )
      .orderBy(asc(disputes.deadline), asc(disputes.disputeId))
      .limit(this.maxChecks);
  }

  /**
   * Posted bonds of ended bounties that the board would forfeit: the trainer was marked (a copy, or a
   * disqualification upheld in a dispute), or has neither a scored submission nor a revealed one left
   * unevaluated (docs/decisions/016-protocol-v2.md, "Bonds").
   */
  private forfeitableBonds() {
    const { chainId } = this.options;
    const ofTrainer = sql`s.chain_id = ${claims.chainId} and s.bounty_id = ${claims.bountyId} and s.trainer = ${claims.trainer}`;
    return this.options.db
      .select({ bountyId: claims.bountyId, trainer: claims.trainer })
      .from(claims)
      .innerJoin(bounties, and(eq(bounties.chainId, claims.chainId), eq(bounties.bountyId, claims.bountyId)))
      .where(
        and(
          eq(claims.chainId, chainId),
          eq(claims.bondState, "Posted"),
          gt(claims.bond, "0"),
          inArray(bounties.status, ["Fulfilled", "Failed"]),
          sql`(
            exists (select 1 from submissions s where ${ofTrainer} and s.copy_of is not null)
            or exists (select 1 from submissions s join disputes d
                         on d.chain_id = s.chain_id and d.submission_id = s.submission_id
                       where ${ofTrainer} and d.outcome = 'Upheld')
            or not exists (select 1 from submissions s where ${ofTrainer}
                             and (s.verdict = 'Scored' or (s.verdict = 'Pending' and s.revealed_at is not null)))
          )`,
        ),
      )
      .orderBy(asc(claims.bountyId), asc(claims.trainer))
      .limit(this.maxChecks);
  }

  /** Checks a finalize or unlock candidate on-chain: undefined when due now, else why not. */
  private async notDue(board: Address, task: Task, now: bigint): Promise<KeeperOutcome | undefined> {
    const { chain } = this.options;
    const id = BigInt(task.bountyId);
    if (task.action !== "finalize" && task.action !== "unlockPayout") return undefined;
    const functionName = task.action === "finalize" ? "finalizableAt" : "unlockAt";
    const readyAt = await chain.readContract({
      address: board,
      abi: bountyBoardAbi,
      functionName,
      args: [id],
    });
    if (readyAt === 0n) {
      const expected = task.action === "finalize" ? "Funded" : "Verifying";
      const bounty = await chain.readContract({
        address: board,
        abi: bountyBoardAbi,
        functionName: "getBounty",
        args: [id],
      });
      const status = BOUNTY_STATUS[bounty.status] ?? String(bounty.status);
      return status === expected
        ? { ...about(task), outcome: "not-due", reason: "a dispute is open" }
        : { ...about(task), outcome: "already-final", reason: `no longer ${expected} on-chain (${status})` };
    }
    if (readyAt > now) {
      const what = task.action === "finalize" ? "finalizable" : "unlocks";
      return { ...about(task), outcome: "not-due", reason: `${what} at ${readyAt}` };
    }
    return undefined;
  }

  /** One pass: do what is due now. */
  async run(): Promise<KeeperRun> {
    const { chain, log } = this.options;
    const board = await this.board();
    const head = await chain.getBlock({ blockTag: "latest" });
    const now = head.timestamp;
    if (!board) {
      log.info("no BountyBoard deployment known yet; nothing to do");
      return {
        chainTime: String(now),
        candidates: 0,
        sent: 0,
        deferred: 0,
        results: [],
        skipped: "no board",
      };
    }
    const tasks: Task[] = [];
    const unlocks: Task[] = [];
    const funding = new Set<string>();
    for (const b of await this.bountyCandidates(now)) {
      if (b.status === "Verifying") unlocks.push({ action: "unlockPayout", bountyId: b.bountyId });
      else tasks.push({ action: "finalize", bountyId: b.bountyId });
      if (b.status === "Funding") funding.add(b.bountyId);
    }
    tasks.push(...unlocks);
    for (const d of await this.expiredDisputes(now)) {
      tasks.push({ action: "expireDispute", bountyId: d.bountyId, disputeId: d.disputeId });
    }
    for (const c of await this.forfeitableBonds()) {
      tasks.push({ action: "forfeitBond", bountyId: c.bountyId, trainer: getAddress(c.trainer) });
    }

    const results: KeeperOutcome[] = [];
    const sent: { task: Task; txHash: Hash; status?: string }[] = [];
    let deferred = 0;

    for (const task of tasks) {
      if (task.action === "finalize" || task.action === "unlockPayout") {
        // A Funding bounty needs no check: its funding deadline, read from the index, is all there is.
        const skip = funding.has(task.bountyId) ? undefined : await this.notDue(board, task, now);
        if (skip) {
          results.push(skip);
          continue;
        }
      }
      if (sent.length >= this.maxSends) {
        deferred++;
        continue;
      }
      const attempt = await this.send(board, task);
      if ("outcome" in attempt) results.push(attempt);
      else sent.push(attempt);
    }

    const settled = await Promise.all(
      sent.map(async ({ task, txHash, status }): Promise<KeeperOutcome> => {
        const receipt = await chain
          .waitForTransactionReceipt({ hash: txHash, timeout: this.receiptTimeoutMs, pollingInterval: 500 })
          .catch(() => undefined);
        const ids = about(task);
        if (!receipt) {
          log.warn({ ...ids, txHash }, `${task.action} not mined yet; the lock holds other runs off it`);
          return { ...ids, outcome: "pending", txHash };
        }
        await this.unlock(task);
        if (receipt.status !== "success") {
          log.warn({ ...ids, txHash }, `${task.action} reverted on-chain (done by someone else first)`);
          return { ...ids, outcome: "reverted", txHash };
        }
        log.info({ ...ids, txHash, status, block: String(receipt.blockNumber) }, `${task.action} mined`);
        return task.action === "finalize"
          ? { ...ids, outcome: "finalized", status: status ?? "Unknown", txHash }
          : { ...ids, outcome: DONE_OUTCOME[task.action], txHash };
      }),
    );
    results.push(...settled);

    const outcomes: Record<string, number> = {};
    for (const { outcome } of results) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    log.info(
      { chainTime: String(now), candidates: tasks.length, sent: sent.length, deferred, ...outcomes },
      "keeper run",
    );
    return { chainTime: String(now), candidates: tasks.length, sent: sent.length, deferred, results };
  }

  /**
   * Locks, simulates and sends the task's call. Answers the sent transaction (still locked: the receipt
   * releases it), or why nothing was sent. A revert that is not the task's (the RPC failing) throws.
   */
  private async send(
    board: Address,
    task: Task,
  ): Promise<{ task: Task; txHash: Hash; status?: string } | KeeperOutcome> {
    const { wallet, redis, log } = this.options;
    const ids = about(task);
    // Another worker's overlapping run may be sending this one: whoever takes the lock sends.
    const locked = await redis.set(this.lockKey(task), this.address, "PX", this.lockMs, "NX");
    if (locked !== "OK") {
      const doing = task.action === "finalize" ? "finalizing it" : `sending ${task.action}`;
      return { ...ids, outcome: "locked", reason: `another run is ${doing}` };
    }

    let request: Parameters<typeof wallet.writeContract>[0];
    let status: string | undefined;
    try {
      const simulated = await this.simulate(board, task);
      request = simulated.request as Parameters<typeof wallet.writeContract>[0];
      if (task.action === "finalize") {
        status = BOUNTY_STATUS[Number(simulated.result)] ?? String(simulated.result);
      }
    } catch (error) {
      await this.unlock(task);
      const revert = revertOf(error);
      if (!revert) throw error; // the RPC, not the task: the run fails and the next tick retries
      if (DONE_REVERTS[task.action].includes(revert.name)) {
        return { ...ids, outcome: "already-final", reason: revert.text };
      }
      if (NOT_YET_REVERTS[task.action].includes(revert.name)) {
        return { ...ids, outcome: "not-due", reason: revert.text };
      }
      log.warn({ ...ids, reason: revert.text }, `${task.action} would revert`);
      return { ...ids, outcome: "error", reason: revert.text };
    }

    try {
      const txHash = await wallet.writeContract(request);
      log.info({ ...ids, txHash, status }, `${task.action} sent`);
      return { task, txHash, ...(status !== undefined && { status }) };
    } catch (error) {
      await this.unlock(task);
      log.warn({ ...ids, err: firstLine(error) }, `${task.action} could not be sent`);
      return { ...ids, outcome: "error", reason: firstLine(error) };
    }
  }

  private simulate(board: Address, task: Task) {
    const common = { address: board, abi: bountyBoardAbi, account: this.options.wallet.account } as const;
    const { chain } = this.options;
    switch (task.action) {
      case "finalize":
        return chain.simulateContract({ ...common, functionName: "finalize", args: [BigInt(task.bountyId)] });
      case "unlockPayout":
        return chain.simulateContract({
          ...common,
          functionName: "unlockPayout",
          args: [BigInt(task.bountyId)],
        });
      case "expireDispute":
        return chain.simulateContract({
          ...common,
          functionName: "expireDispute",
          args: [BigInt(task.disputeId)],
        });
      case "forfeitBond":
        return chain.simulateContract({
          ...common,
          functionName: "forfeitBond",
          args: [BigInt(task.bountyId), task.trainer],
        });
    }
  }

  private async unlock(task: Task): Promise<void> {
    await this.options.redis.del(this.lockKey(task));
  }
}

/**
 * The keeper of this deployment, or undefined when it is off: KEEPER_INTERVAL_MS is 0, or there is no
 * key (KEEPER_PRIVATE_KEY; on anvil, chain 31337, the evaluator's account 2 by default). The account
 * uses viem's shared nonce manager, so in one worker process the keeper and an evaluator on the same
 * key take consecutive nonces; on a real chain give the keeper a key of its own.
 */
export function keeperFromEnv(
  config: Pick<Env, "RPC_URL" | "CHAIN_ID" | "QUEUE_PREFIX" | "KEEPER_INTERVAL_MS" | "KEEPER_PRIVATE_KEY">,
  deps: { db: Database; chain: PublicClient; redis: Redis; log: Logger },
): Keeper | undefined {
  if (config.KEEPER_INTERVAL_MS === 0) return undefined;
  const wallet = serverWallet(config, config.KEEPER_PRIVATE_KEY);
  if (!wallet) {
    deps.log.warn("KEEPER_PRIVATE_KEY is not set: due bounties are not finalized by this worker");
    return undefined;
  }
  return new Keeper({
    db: deps.db,
    chain: deps.chain,
    wallet,
    chainId: config.CHAIN_ID,
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    log: deps.log.child({ keeper: wallet.account.address }),
  });
}
