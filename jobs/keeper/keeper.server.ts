/**
 * The keeper: finalizes the bounties that are due, so nobody has to remember to. `finalize` is
 * permissionless on the board (BountyBoard.sol):
 *
 * - a bounty in Funding past its funding deadline becomes Failed (its backers can be refunded);
 * - a Funded bounty becomes Fulfilled or Failed once `finalizableAt(bountyId)` has passed (a qualifying
 *   best that stood for the challenge window, or the delivery deadline with no evaluation pending).
 *
 * One run (a `finalize-due` job of the `keeper` queue, repeated by a BullMQ job scheduler):
 *
 * 1. Chain time is the latest block's timestamp.
 * 2. Candidates come from the index: Funding with funding_deadline <= chain time, and Funded that
 *    may be due (delivery deadline passed, or a qualifying best that may have stood long enough);
 *    at most `maxChecks`, earliest deadline first.
 * 3. Each Funded candidate is checked on-chain (`finalizableAt`: 0 means no longer Funded; later than
 *    chain time means not yet).
 * 4. Each due one is taken with a short Redis lock (another worker's overlapping run skips it), then
 *    simulated (a race lost to someone else's finalize reverts with BountyBoard_WrongStatus: skipped),
 *    then sent from the keeper's key; at most `maxSends` a run. Receipts are awaited together.
 *
 * Everything it decides is logged, one line per bounty acted on and a summary per run. RPC failures
 * fail the run (logged by the worker); the next tick is the retry.
 */
import { and, asc, eq, or, sql } from "drizzle-orm";
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
import type { Database } from "../../db/client.server.js";
import { bounties, deployments } from "../../db/schema/index.js";
import { BOUNTY_STATUS } from "../../lib/board.server.js";
import type { Env } from "../../lib/env.server.js";
import type { Logger } from "../../lib/logger.server.js";
import { serverWallet } from "../../lib/signer.server.js";

export interface KeeperOptions {
  db: Database;
  chain: PublicClient;
  /** Signs and sends `finalize` (the keeper's key, a local account). */
  wallet: WalletClient<Transport, Chain, LocalAccount>;
  chainId: number;
  /** For the per-bounty lock that keeps overlapping runs (several workers) from sending twice. */
  redis: Redis;
  /** Key prefix of the locks (QUEUE_PREFIX). */
  prefix: string;
  log: Logger;
  /** Candidates read from the index and checked per run. */
  maxChecks?: number;
  /** finalize transactions sent per run. */
  maxSends?: number;
  /** How long a run waits for its transactions' receipts. */
  receiptTimeoutMs?: number;
  /**
   * How long a bounty's lock lasts: taken before simulating, released with the receipt, so it must
   * outlast `receiptTimeoutMs`; a transaction still unmined by then keeps it until it expires.
   */
  lockMs?: number;
}

/** What the keeper did about one bounty. */
export type KeeperOutcome =
  /** finalize was mined; `status` is the bounty's new one. */
  | { bountyId: string; outcome: "finalized"; status: string; txHash: Hash }
  /** Sent, but it reverted on-chain (someone else's finalize landed first). */
  | { bountyId: string; outcome: "reverted"; txHash: Hash }
  /** Sent; no receipt within the wait (the lock keeps other runs off it until it expires). */
  | { bountyId: string; outcome: "pending"; txHash: Hash }
  /** Not finalizable yet, or no longer (finalized or cancelled by someone else): nothing sent. */
  | { bountyId: string; outcome: "not-due" | "already-final" | "locked"; reason: string }
  /** The simulation reverted for another reason, or the send failed: nothing (more) to do this run. */
  | { bountyId: string; outcome: "error"; reason: string };

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

  private async board(): Promise<Address | undefined> {
    const [row] = await this.options.db
      .select({ address: deployments.address })
      .from(deployments)
      .where(and(eq(deployments.chainId, this.options.chainId), eq(deployments.name, "BountyBoard")));
    return row ? getAddress(row.address) : undefined;
  }

  private lockKey(bountyId: string) {
    return `${this.options.prefix}:keeper:finalizing:${this.options.chainId}:${bountyId}`;
  }

  /** Bounties that may be due at `now`, from the index, earliest deadline first. */
  private async candidates(now: bigint) {
    const t = sql`${now.toString()}::numeric`;
    return this.options.db
      .select({ bountyId: bounties.bountyId, status: bounties.status })
      .from(bounties)
      .where(
        and(
          eq(bounties.chainId, this.options.chainId),
          or(
            and(eq(bounties.status, "Funding"), sql`${bounties.fundingDeadline} <= ${t}`),
            // Before its delivery deadline a Funded bounty can only finalize early, on a qualifying best.
            and(
              eq(bounties.status, "Funded"),
              or(sql`${bounties.deliveryDeadline} <= ${t}`, sql`${bounties.bestSubmissionId} is not null`),
            ),
          ),
        ),
      )
      .orderBy(
        asc(
          sql`case when ${bounties.status} = 'Funding' then ${bounties.fundingDeadline} else ${bounties.deliveryDeadline} end`,
        ),
        asc(bounties.bountyId),
      )
      .limit(this.maxChecks);
  }

  /** One pass: finalize what is due now. */
  async run(): Promise<KeeperRun> {
    const { chain, log } = this.options;
    const board = await this.board();
    const head = await chain.getBlock({ blockTag: "latest" });
    const now = head.timestamp;
    if (!board) {
      log.info("no BountyBoard deployment known yet; nothing to finalize");
      return {
        chainTime: String(now),
        candidates: 0,
        sent: 0,
        deferred: 0,
        results: [],
        skipped: "no board",
      };
    }
    const candidates = await this.candidates(now);
    const results: KeeperOutcome[] = [];
    const sent: { bountyId: string; txHash: Hash; status: string }[] = [];
    let deferred = 0;

    for (const candidate of candidates) {
      const { bountyId } = candidate;
      const id = BigInt(bountyId);
      if (candidate.status === "Funded") {
        const readyAt = await chain.readContract({
          address: board,
          abi: bountyBoardAbi,
          functionName: "finalizableAt",
          args: [id],
        });
        if (readyAt === 0n) {
          results.push({ bountyId, outcome: "already-final", reason: "no longer Funded on-chain" });
          continue;
        }
        if (readyAt > now) {
          results.push({ bountyId, outcome: "not-due", reason: `finalizable at ${readyAt}` });
          continue;
        }
      }
      if (sent.length >= this.maxSends) {
        deferred++;
        continue;
      }

      const attempt = await this.send(board, bountyId);
      if ("outcome" in attempt) results.push(attempt);
      else sent.push(attempt);
    }

    const settled = await Promise.all(
      sent.map(async ({ bountyId, txHash, status }): Promise<KeeperOutcome> => {
        const receipt = await chain
          .waitForTransactionReceipt({ hash: txHash, timeout: this.receiptTimeoutMs, pollingInterval: 500 })
          .catch(() => undefined);
        if (!receipt) {
          log.warn({ bountyId, txHash }, "finalize not mined yet; the lock holds other runs off it");
          return { bountyId, outcome: "pending", txHash };
        }
        await this.unlock(bountyId);
        if (receipt.status !== "success") {
          log.warn({ bountyId, txHash }, "finalize reverted on-chain (finalized by someone else first)");
          return { bountyId, outcome: "reverted", txHash };
        }
        log.info({ bountyId, txHash, status, block: String(receipt.blockNumber) }, "bounty finalized");
        return { bountyId, outcome: "finalized", status, txHash };
      }),
    );
    results.push(...settled);

    const outcomes: Record<string, number> = {};
    for (const { outcome } of results) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    log.info(
      { chainTime: String(now), candidates: candidates.length, sent: sent.length, deferred, ...outcomes },
      "keeper run",
    );
    return { chainTime: String(now), candidates: candidates.length, sent: sent.length, deferred, results };
  }

  /**
   * Locks, simulates and sends `finalize(bountyId)`. Answers the sent transaction (still locked: the
   * receipt releases it), or why nothing was sent. A revert that is not the bounty's (the RPC failing)
   * throws.
   */
  private async send(
    board: Address,
    bountyId: string,
  ): Promise<{ bountyId: string; txHash: Hash; status: string } | KeeperOutcome> {
    const { wallet, redis, log } = this.options;
    // Another worker's overlapping run may be sending this one: whoever takes the lock sends.
    const locked = await redis.set(this.lockKey(bountyId), this.address, "PX", this.lockMs, "NX");
    if (locked !== "OK") return { bountyId, outcome: "locked", reason: "another run is finalizing it" };

    let simulated: Awaited<ReturnType<typeof this.simulate>>;
    try {
      simulated = await this.simulate(board, BigInt(bountyId));
    } catch (error) {
      await this.unlock(bountyId);
      const revert = revertOf(error);
      if (!revert) throw error; // the RPC, not the bounty: the run fails and the next tick retries
      if (revert.name === "BountyBoard_WrongStatus") {
        return { bountyId, outcome: "already-final", reason: revert.text };
      }
      if (revert.name === "BountyBoard_NotFinalizable") {
        return { bountyId, outcome: "not-due", reason: revert.text };
      }
      log.warn({ bountyId, reason: revert.text }, "finalize would revert");
      return { bountyId, outcome: "error", reason: revert.text };
    }

    const status = BOUNTY_STATUS[simulated.result] ?? String(simulated.result);
    try {
      const txHash = await wallet.writeContract(simulated.request);
      log.info({ bountyId, txHash, status }, "finalize sent");
      return { bountyId, txHash, status };
    } catch (error) {
      await this.unlock(bountyId);
      log.warn({ bountyId, err: firstLine(error) }, "finalize could not be sent");
      return { bountyId, outcome: "error", reason: firstLine(error) };
    }
  }

  private simulate(board: Address, bountyId: bigint) {
    return this.options.chain.simulateContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "finalize",
      args: [bountyId],
      account: this.options.wallet.account,
    });
  }

  private async unlock(bountyId: string): Promise<void> {
    await this.options.redis.del(this.lockKey(bountyId));
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
