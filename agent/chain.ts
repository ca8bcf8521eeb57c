/**
 * The agent's on-chain side, from the trainer's own key: claim a bounty
 * (approving the bond first when needed) and submit a checkpoint, each
 * idempotent so a lease retried after a crash does not claim or submit twice.
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
import { bountyBoardAbi } from "../contracts/abi.js";
import { BOND_STATE, BOUNTY_STATUS, VERDICT } from "../lib/board.server.js";
import type { LeaseView } from "../lib/pool-api.js";
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
  submissionId: bigint;
  /** Undefined when the checkpoint was already submitted by this trainer (a retried lease). */
  txHash?: Hex;
  alreadySubmitted: boolean;
}

/** What the agent does on-chain; `createChain` implements it over JSON-RPC, tests fake it. */
export interface ChainOps {
  /** The trainer's address. */
  readonly trainer: Address;
  ensureClaim(ref: BountyRef, logger: Logger): Promise<ClaimResult>;
  submitCheckpoint(ref: BountyRef, checkpointHash: Hex, uri: string, logger: Logger): Promise<SubmitResult>;
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
}

const ANVIL_CHAIN_ID = 31337;

export function createChain(options: ChainOptions): ChainOps {
  const account = privateKeyToAccount(options.privateKey);
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
  ) => {
    const { request } = await c.publicClient.simulateContract({ ...call, account });
    const hash = await c.wallet.writeContract(request as Parameters<typeof c.wallet.writeContract>[0]);
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
        const board = { address: ref.board, abi: boardAbi } as const;
        const existingId = await c.publicClient.readContract({
          ...board,
          functionName: "submissionOf",
          args: [ref.bountyId, checkpointHash],
        });
        if (existingId !== 0n) {
          const submission = await c.publicClient.readContract({
            ...board,
            functionName: "getSubmission",
            args: [existingId],
          });
          if (getAddress(submission.trainer) !== account.address) {
            throw new LeaseFailure(
              `checkpoint ${checkpointHash} was already submitted to bounty ${ref.bountyId} by ${submission.trainer} (submission ${existingId})`,
              true,
            );
          }
          logger.info(
            { event: "chain.submit.exists", submissionId: existingId.toString(), checkpointHash },
            "checkpoint already submitted by this trainer",
          );
          return { submissionId: existingId, alreadySubmitted: true };
        }
        return serially(async () => {
          const { hash, receipt } = await send(
            c,
            "submitCheckpoint",
            { ...board, functionName: "submitCheckpoint", args: [ref.bountyId, checkpointHash, uri] },
            logger,
            { checkpointHash },
          );
          const [event] = parseEventLogs({
            abi: bountyBoardAbi,
            eventName: "CheckpointSubmitted",
            logs: receipt.logs,
          });
          if (!event)
            throw new LeaseFailure(
              `submitCheckpoint transaction ${hash} emitted no CheckpointSubmitted`,
              true,
            );
          return { submissionId: event.args.submissionId, txHash: hash, alreadySubmitted: false };
        });
      });
    },
  };
}
