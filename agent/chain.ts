/**
 * The agent's on-chain side, from the trainer's own key: claim a bounty
 * (approving the bond first when needed) and submit a checkpoint by commit
 * and reveal (protocol v2, ADR 016): `commitCheckpoint` with
 * keccak256(abi.encode(hash, trainer, salt)), its receipt, then
 * `revealCheckpoint` in a later block. The salt is saved on disk before the
 * commit is sent (commits.ts), so a crash in between still reveals after a
 * restart. Each step is idempotent so a lease retried after a crash does not
 * claim, commit or reveal twice.
 *
 * Every transaction is simulated first (a revert is decoded into the board's
 * custom error with its arguments, before any gas is spent), sent, and waited
 * for. Transactions from this key are sent one at a time, so concurrent leases
 * never race for a nonce. Failures are `LeaseFailure`s whose `retryable`
 * says whether the job may succeed later or elsewhere (see `describeChainError`).
 */

import type { Logger } from "pino";
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  getAddress,
  type Hex,
  http,
  isAddress,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
  webSocket,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bountyBoardAbi } from "../core/abi.js";
import { BOND_STATE, BOUNTY_STATUS, VERDICT } from "../core/board.js";
import { checkpointCommitment } from "../core/commitment.js";
import type { LeaseView } from "../core/pool-api.js";
import { type CommitRecord, CommitStore, newSalt } from "./commits.js";
import { LeaseFailure } from "./util.js";

/** OpenZeppelin's token errors, so a bond transfer that reverts inside the token is decoded too. */
const tokenErrorsAbi = [
  {
    type: "error",
    name: "ERC20InsufficientBalance",
    inputs: [
      { name: "sender", type: "address" },
      { name: "balance", type: "uint256" },
      { name: "needed", type: "uint256" },
    ],
  },
  {
    type: "error",
    name: "ERC20InsufficientAllowance",
    inputs: [
      { name: "spender", type: "address" },
      { name: "allowance", type: "uint256" },
      { name: "needed", type: "uint256" },
    ],
  },
  { type: "error", name: "SafeERC20FailedOperation", inputs: [{ name: "token", type: "address" }] },
] as const;

const boardAbi = [...bountyBoardAbi, ...tokenErrorsAbi] as const;

/**
 * Board errors that no retry, by any trainer, can get past: the bounty is not
 * (or no longer) open for work. Every other revert leaves the job retryable:
 * it may be this trainer's own problem (bond balance, submission cap, gas), and
 * the platform bounds retries anyway, whereas a wrong "non-retryable" would
 * fail a bounty for good.
 */
export const FINAL_BOARD_ERRORS: ReadonlySet<string> = new Set([
  "BountyBoard_WrongStatus",
  "BountyBoard_DeliveryClosed",
  "BountyBoard_UnknownBounty",
  "BountyBoard_BadUri",
  "BountyBoard_ZeroHash",
]);

const ENUMS: Record<string, readonly string[]> = {
  "enum BountyBoard.Status": BOUNTY_STATUS,
  "enum BountyBoard.BondState": BOND_STATE,
  "enum BountyBoard.Verdict": VERDICT,
};

/** A readable reason and a retry verdict for an error from a chain call. */
export function describeChainError(error: unknown, action: string): { reason: string; retryable: boolean } {
  if (error instanceof LeaseFailure) return { reason: error.message, retryable: error.retryable };
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const data = revert.data;
      if (data && data.errorName !== "Error" && data.errorName !== "Panic") {
        const inputs = "inputs" in data.abiItem ? data.abiItem.inputs : [];
        const args = (data.args ?? []).map((value, i) => {
          const input = inputs[i];
          const name = input?.name ? `${input.name}=` : "";
          const names = input?.internalType ? ENUMS[input.internalType] : undefined;
          const text =
            names && typeof value === "number" ? (names[value] ?? String(value)) : formatValue(value);
          return `${name}${text}`;
        });
        return {
          reason: `${action} reverted: ${data.errorName}(${args.join(", ")})`,
          retryable: !FINAL_BOARD_ERRORS.has(data.errorName),
        };
      }
      const why = revert.reason ?? revert.signature ?? "without a reason";
      return { reason: `${action} reverted: ${why}`, retryable: true };
    }
    // RPC, network, gas, nonce, timeout: all worth another try.
    return { reason: `${action} failed: ${error.shortMessage}`, retryable: true };
  }
  return {
    reason: `${action} failed: ${error instanceof Error ? error.message : String(error)}`,
    retryable: true,
  };
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return String(value);
  }
}

/** The on-chain identity of a lease's bounty. */
export interface BountyRef {
  chainId: number;
  bountyId: bigint;
  board: Address;
}

/** The bounty of a lease, checked: a malformed id or address fails the lease for good. */
export function bountyRefOf(lease: LeaseView): BountyRef {
  const { chainId, bountyId, board } = lease.bounty;
  if (!/^[0-9]+$/.test(bountyId)) {
    throw new LeaseFailure(`the lease's bounty id ${JSON.stringify(bountyId)} is not a whole number`, false);
  }
  if (!isAddress(board, { strict: false })) {
    throw new LeaseFailure(`the lease's board ${JSON.stringify(board)} is not an address`, false);
  }
  return { chainId, bountyId: BigInt(bountyId), board: getAddress(board) };
}

export interface ClaimResult {
  /** True when the trainer had claimed already (a retried lease): nothing was sent. */
  alreadyClaimed: boolean;
  bond: bigint;
  approveTxs: Hex[];
  claimTx?: Hex;
}

export interface SubmitResult {
  /** The submission id, fixed by the commit: its precedence. */
  submissionId: bigint;
  /** The commit's transaction; undefined when an earlier attempt had committed already. */
  commitTx?: Hex;
  /** The reveal's transaction; undefined when the checkpoint was already revealed by this trainer. */
  revealTx?: Hex;
  /** True when this trainer had already revealed the checkpoint (a retried lease): nothing was sent. */
  alreadySubmitted: boolean;
}

/** A commit found on disk at start-up and what became of it. */
export interface RecoveredCommit {
  record: CommitRecord;
  result?: SubmitResult;
  error?: string;
}

/** What the agent does on-chain; `createChain` implements it over JSON-RPC, tests fake it. */
export interface ChainOps {
  /** The trainer's address. */
  readonly trainer: Address;
  ensureClaim(ref: BountyRef, logger: Logger): Promise<ClaimResult>;
  /**
   * Commits to the checkpoint (its salt saved on disk first), waits for the commit's receipt, then reveals it
   * in a later block. Idempotent: a retry finds the saved commit and only does what is left.
   */
  submitCheckpoint(ref: BountyRef, checkpointHash: Hex, uri: string, logger: Logger): Promise<SubmitResult>;
  /** Reveals the commits an earlier run saved but did not reveal (a crash in between); run at start-up. */
  recoverCommits(logger: Logger): Promise<RecoveredCommit[]>;
}

export interface ChainOptions {
  rpcUrl: string;
  /** The trainer's private key (0x + 64 hex digits). */
  privateKey: Hex;
  /** How often receipts are polled (default 50 ms on anvil, chain id 31337; 2 s elsewhere). */
  pollingIntervalMs?: number;
  /** Timeout of each RPC request (default 15 s). */
  timeoutMs?: number;
  /** How long to wait for a receipt (default 3 min). */
  receiptTimeoutMs?: number;
  /** Where the commitments' salts are kept until their reveal is mined (see commits.ts). */
  commitsDir: string;
}

const ANVIL_CHAIN_ID = 31337;

export function createChain(options: ChainOptions): ChainOps {
  const account = privateKeyToAccount(options.privateKey);
  const store = new CommitStore(options.commitsDir);
  const timeout = options.timeoutMs ?? 15_000;
  const transport: Transport = options.rpcUrl.startsWith("ws")
    ? webSocket(options.rpcUrl, { timeout })
    : http(options.rpcUrl, { timeout, retryCount: 1 });

  type Clients = {
    chainId: number;
    publicClient: PublicClient;
    wallet: WalletClient<Transport, Chain, Account>;
    pollingInterval: number;
  };
  let clients: Promise<Clients> | undefined;
  const connect = (): Promise<Clients> => {
    clients ??= (async () => {
      const probe = createPublicClient({ transport });
      const chainId = await probe.getChainId();
      const chain = defineChain({
        id: chainId,
        name: chainId === ANVIL_CHAIN_ID ? "Anvil" : `Chain ${chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [options.rpcUrl] } },
      });
      const pollingInterval = options.pollingIntervalMs ?? (chainId === ANVIL_CHAIN_ID ? 50 : 2_000);
      const publicClient = createPublicClient({
        chain,
        transport,
        pollingInterval,
        cacheTime: 0,
      }) as PublicClient;
      const wallet = createWalletClient({ account, chain, transport, pollingInterval });
      return { chainId, publicClient, wallet, pollingInterval };
    })();
    // A failed connection is retried on the next call.
    clients.catch(() => {
      clients = undefined;
    });
    return clients;
  };

  const onChain = async (ref: BountyRef): Promise<Clients> => {
    const c = await connect();
    if (c.chainId !== ref.chainId) {
      throw new LeaseFailure(
        `the lease's bounty is on chain ${ref.chainId} but the RPC URL serves chain ${c.chainId}`,
        true,
      );
    }
    return c;
  };

  // One transaction at a time from this key: no nonce races between concurrent leases.
  let txQueue: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = txQueue.then(fn, fn);
    txQueue = run.catch(() => {});
    return run;
  };

  /** Simulates, sends and waits for one board or token call; returns the hash and receipt logs. */
  const send = async (
    c: Clients,
    action: string,
    call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
    logger: Logger,
    bindings: Record<string, unknown>,
    blockTag: "latest" | "pending" = "latest",
  ) => {
    const { request } = await c.publicClient.simulateContract({ ...call, account, blockTag });
    // Estimated on the same block as the simulation (a reveal reverts on its commit's block).
    const gas = await c.publicClient.estimateContractGas({ ...call, account, blockTag } as Parameters<
      typeof c.publicClient.estimateContractGas
    >[0]);
    const hash = await c.wallet.writeContract({ ...request, gas } as Parameters<
      typeof c.wallet.writeContract
    >[0]);
    logger.info({ event: `chain.${action}.sent`, txHash: hash, ...bindings }, `${action} transaction sent`);
    const receipt = await c.publicClient.waitForTransactionReceipt({
      hash,
      pollingInterval: c.pollingInterval,
      timeout: options.receiptTimeoutMs ?? 180_000,
    });
    if (receipt.status !== "success") {
      throw new LeaseFailure(`${action} transaction ${hash} reverted in block ${receipt.blockNumber}`, true);
    }
    logger.info(
      {
        event: `chain.${action}.mined`,
        txHash: hash,
        blockNumber: receipt.blockNumber.toString(),
        ...bindings,
      },
      `${action} transaction mined`,
    );
    return { hash, receipt };
  };

  const wrap = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof LeaseFailure) throw error;
      const { reason, retryable } = describeChainError(error, action);
      throw new LeaseFailure(reason, retryable, { cause: error });
    }
  };

  return {
    trainer: account.address,

    ensureClaim(ref, logger) {
      const bountyId = ref.bountyId.toString();
      return wrap("claim", async () => {
        const c = await onChain(ref);
        const board = { address: ref.board, abi: boardAbi } as const;
        const existing = await c.publicClient.readContract({
          ...board,
          functionName: "getClaim",
          args: [ref.bountyId, account.address],
        });
        if (existing.bondState !== 0) {
          logger.info(
            {
              event: "chain.claim.exists",
              bondState: BOND_STATE[existing.bondState],
              trainer: account.address,
            },
            "bounty already claimed by this trainer",
          );
          return { alreadyClaimed: true, bond: existing.bond, approveTxs: [] };
        }
        const bounty = await c.publicClient.readContract({
          ...board,
          functionName: "getBounty",
          args: [ref.bountyId],
        });
        const bond = bounty.bond;
        return serially(async () => {
          const approveTxs: Hex[] = [];
          if (bond > 0n) {
            const token = { address: bounty.token, abi: erc20Abi } as const;
            const [balance, allowance] = await Promise.all([
              c.publicClient.readContract({ ...token, functionName: "balanceOf", args: [account.address] }),
              c.publicClient.readContract({
                ...token,
                functionName: "allowance",
                args: [account.address, ref.board],
              }),
            ]);
            if (balance < bond) {
              // This trainer cannot pay the bond; another pool's may: retryable.
              throw new LeaseFailure(
                `the trainer ${account.address} holds ${balance} of token ${bounty.token}, less than the bond ${bond} of bounty ${bountyId}`,
                true,
              );
            }
            if (allowance < bond) {
              // Tokens like USDT refuse to change one non-zero allowance into another: reset it first.
              if (allowance > 0n) {
                const reset = await send(
                  c,
                  "approve",
                  { ...token, functionName: "approve", args: [ref.board, 0n] },
                  logger,
                  { token: bounty.token, amount: "0" },
                );
                approveTxs.push(reset.hash);
              }
              const approved = await send(
                c,
                "approve",
                { ...token, functionName: "approve", args: [ref.board, bond] },
                logger,
                { token: bounty.token, amount: bond.toString() },
              );
              approveTxs.push(approved.hash);
            }
          }
          const claimed = await send(
            c,
            "claim",
            { ...board, functionName: "claim", args: [ref.bountyId] },
            logger,
            { bond: bond.toString() },
          );
          return { alreadyClaimed: false, bond, approveTxs, claimTx: claimed.hash };
        });
      });
    },

    submitCheckpoint(ref, checkpointHash, uri, logger) {
      return wrap("submitCheckpoint", async () => {
        const c = await onChain(ref);
        const key = {
          chainId: ref.chainId,
          board: ref.board,
          bountyId: ref.bountyId.toString(),
          trainer: account.address,
          checkpointHash,
        };
        let record = await store.find(key);
        // Someone else's reveal of this checkpoint: ours would be its copy unless our commit came first.
        const holder = await holderOf(c, ref, checkpointHash);
        if (holder) {
          if (holder.trainer === account.address) {
            logger.info(
              { event: "chain.submit.exists", submissionId: holder.id.toString(), checkpointHash },
              "checkpoint already revealed by this trainer",
            );
            if (record) await store.remove(record);
            return { submissionId: holder.id, alreadySubmitted: true };
          }
          const ours = record?.submissionId ? BigInt(record.submissionId) : undefined;
          if (ours === undefined || ours > holder.id) {
            throw new LeaseFailure(
              `checkpoint ${checkpointHash} was already revealed to bounty ${ref.bountyId} by ${holder.trainer} (submission ${holder.id}) after an earlier commit`,
              true,
            );
          }
        }
        if (!record) {
          const salt = newSalt();
          record = {
            ...key,
            uri,
            salt,
            commitment: checkpointCommitment(checkpointHash, account.address, salt),
            createdAt: new Date().toISOString(),
          };
          // Durable before the commit is sent: a crash after it can still reveal.
          await store.save(record);
        }
        return commitAndReveal(c, ref, record, logger);
      });
    },

    async recoverCommits(logger) {
      const results: RecoveredCommit[] = [];
      for (const record of await store.list()) {
        if (getAddress(record.trainer) !== account.address) continue;
        const ref = {
          chainId: record.chainId,
          bountyId: BigInt(record.bountyId),
          board: getAddress(record.board),
        };
        const log = logger.child({ bountyId: record.bountyId, checkpointHash: record.checkpointHash });
        try {
          const c = await connect();
          if (c.chainId !== ref.chainId) continue; // another chain's commit: left for an agent on that chain
          const code = await c.publicClient.getCode({ address: ref.board });
          if (!code || code === "0x") {
            // The board is gone (a dev chain was reset): nothing can reveal this commit any more.
            log.warn(
              { event: "chain.recover.no-board", board: ref.board },
              "dropping a commit to a board that is gone",
            );
            await store.remove(record);
            continue;
          }
          const result = await wrap("revealCheckpoint", () => commitAndReveal(c, ref, record, log));
          log.info(
            {
              event: "chain.recover.revealed",
              submissionId: result.submissionId.toString(),
              txHash: result.revealTx,
            },
            "revealed a commit left by an earlier run",
          );
          results.push({ record, result });
        } catch (error) {
          const failure =
            error instanceof LeaseFailure
              ? error
              : new LeaseFailure(describeChainError(error, "reveal").reason, true);
          log.warn(
            { event: "chain.recover.failed", err: failure, retryable: failure.retryable },
            "could not reveal a commit left by an earlier run",
          );
          // Final errors (the bounty closed) end the record; the rest are tried again at the next start.
          if (!failure.retryable) await store.remove(record);
          results.push({ record, error: failure.message });
        }
      }
      return results;
    },
  };

  /** The submission holding `checkpointHash` on the bounty (the earliest commit that revealed it), if any. */
  async function holderOf(c: Clients, ref: BountyRef, checkpointHash: Hex) {
    const board = { address: ref.board, abi: boardAbi } as const;
    const id = await c.publicClient.readContract({
      ...board,
      functionName: "submissionOf",
      args: [ref.bountyId, checkpointHash],
    });
    if (id === 0n) return undefined;
    const sub = await c.publicClient.readContract({ ...board, functionName: "getSubmission", args: [id] });
    return { id, trainer: getAddress(sub.trainer) };
  }

  /**
   * Commits `record` (unless its commit is already on-chain), waits for the receipt, then reveals it in a later
   * block (unless already revealed), and forgets the record once the reveal is mined. A reveal period that is
   * over, a bounty no longer Funded, or an earlier commit of another trainer revealing the same checkpoint end
   * the record for good (a `LeaseFailure` that is not retryable for the first two).
   */
  async function commitAndReveal(
    c: Clients,
    ref: BountyRef,
    record: CommitRecord,
    logger: Logger,
  ): Promise<SubmitResult> {
    const board = { address: ref.board, abi: boardAbi } as const;
    const bindings = { checkpointHash: record.checkpointHash };
    return serially(async () => {
      const committed = () =>
        c.publicClient.readContract({
          ...board,
          functionName: "submissionOfCommitment",
          args: [ref.bountyId, record.commitment],
        });
      let [submissionId, committedAt] = await committed();
      let commitTx: Hex | undefined;
      if (submissionId === 0n) {
        const { hash, receipt } = await send(
          c,
          "commitCheckpoint",
          { ...board, functionName: "commitCheckpoint", args: [ref.bountyId, record.commitment] },
          logger,
          bindings,
        );
        const [event] = parseEventLogs({
          abi: bountyBoardAbi,
          eventName: "CheckpointCommitted",
          logs: receipt.logs,
        });
        if (!event)
          throw new LeaseFailure(`commitCheckpoint transaction ${hash} emitted no CheckpointCommitted`, true);
        submissionId = event.args.submissionId;
        [, committedAt] = await committed();
        commitTx = hash;
        await store.save({ ...record, submissionId: submissionId.toString(), commitTx: hash });
      }
      const sub = await c.publicClient.readContract({
        ...board,
        functionName: "getSubmission",
        args: [submissionId],
      });
      if (sub.revealedAt !== 0) {
        await store.remove(record);
        return { submissionId, alreadySubmitted: commitTx === undefined, ...(commitTx && { commitTx }) };
      }
      const [bounty, block] = await Promise.all([
        c.publicClient.readContract({ ...board, functionName: "getBounty", args: [ref.bountyId] }),
        c.publicClient.getBlock({ blockTag: "latest" }),
      ]);
      const deadline = committedAt + BigInt(bounty.revealPeriod);
      if (block.timestamp >= deadline) {
        await store.remove(record);
        throw new LeaseFailure(
          `the reveal period of submission ${submissionId} ended at ${deadline}: the commit can no longer be revealed`,
          true,
        );
      }
      const holder = await holderOf(c, ref, record.checkpointHash);
      if (holder && holder.id < submissionId && holder.trainer !== account.address) {
        // Revealing would make this submission a copy of an earlier commit: leave it unrevealed.
        await store.remove(record);
        throw new LeaseFailure(
          `checkpoint ${record.checkpointHash} was revealed by ${holder.trainer} under the earlier submission ${holder.id}; submission ${submissionId} stays unrevealed`,
          true,
        );
      }
      // The reveal must land in a later block than the commit: simulate and estimate it on the pending block.
      const call = {
        ...board,
        functionName: "revealCheckpoint",
        args: [ref.bountyId, record.checkpointHash, record.uri, record.salt],
      } as const;
      const { hash: revealTx } = await send(
        c,
        "revealCheckpoint",
        call,
        logger,
        {
          ...bindings,
          submissionId: submissionId.toString(),
        },
        "pending",
      );
      await store.remove(record);
      return { submissionId, alreadySubmitted: false, revealTx, ...(commitTx && { commitTx }) };
    });
  }
}
