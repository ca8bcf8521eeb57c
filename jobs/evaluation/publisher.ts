/**
 * Publishes an evaluator verdict on-chain, once (ADR 009).
 *
 * - Checks first: a submission whose on-chain verdict is no longer Pending is
 *   not published again (`skipped`).
 * - Write-ahead: the transaction is signed, and saved with its hash in
 *   `evaluation_runs` (`sent`) BEFORE it is broadcast. A job that runs again,
 *   or a worker killed after broadcasting, finds it there and re-broadcasts
 *   the SAME transaction (same nonce, same hash) and waits for its receipt:
 *   it never signs a second one while the first may still land.
 * - Nonces: viem's nonce manager hands out consecutive nonces to concurrent
 *   publishes of this process; one process publishes per evaluator key.
 * - RPC errors (network, timeouts, 5xx) are retried with exponential backoff.
 * - A transaction that reverts (or would revert: it is simulated first) is
 *   recorded as `reverted` with its decoded reason.
 */
import { and, eq, sql } from "drizzle-orm";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  ExecutionRevertedError,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  type TransactionSerializable,
  type WalletClient,
} from "viem";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { VERDICT } from "../../core/board.js";
import type { Logger } from "../../core/logger.js";
import { withRetries } from "../../core/retry.js";
import type { Database } from "../../db/client.js";
import { type EvaluationRunRow, evaluationRuns } from "../../db/schema/index.js";

export type Verdict =
  | { kind: "score"; submissionId: bigint; score: bigint; reportHash: Hex }
  /** `copyOf`: the earlier submission a copy copies; 0 for any other reason (an invalid checkpoint). */
  | { kind: "disqualify"; submissionId: bigint; reportHash: Hex; copyOf: bigint };

export interface PublisherOptions {
  db: Database;
  chain: PublicClient;
  wallet: WalletClient;
  /** The evaluator's key (a local account: transactions are signed here, then saved, then sent). */
  account: LocalAccount;
  board: Address;
  log: Logger;
  /** RPC retries and the first backoff delay (doubling). */
  retries?: number;
  retryDelayMs?: number;
  /** How long to wait for a receipt. */
  receiptTimeoutMs?: number;
}

export type PublishResult = { publish: "confirmed" | "reverted" | "skipped"; txHash?: Hex; error?: string };

/** An RPC failure worth retrying: not a revert, not a bad request. */
function isTransient(error: unknown): boolean {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof ContractFunctionRevertedError)) return false;
    const text = `${error.name} ${error.message}`;
    return /HttpRequestError|TimeoutError|SocketClosedError|fetch failed|ECONNREFUSED|ECONNRESET|502|503|504|429/i.test(
      text,
    );
  }
  return false;
}

/**
 * Whether a failed call was the board refusing it (a revert: its error data, or the node saying "execution
 * reverted"), as opposed to a call that never got an answer (a timeout, a dropped connection, an overloaded
 * node), which proves nothing about the verdict and must be retried, never recorded as reverted.
 */
export function isRevert(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return Boolean(
    error.walk(
      (e) =>
        e instanceof ContractFunctionRevertedError ||
        e instanceof ExecutionRevertedError ||
        (typeof (e as { data?: unknown }).data === "string" &&
          ((e as { data: string }).data.length ?? 0) >= 10),
    ),
  );
}

/** The revert reason of a failed call, decoded from the board's custom errors where possible. */
export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const raw = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data: Hex } | null;
    if (raw && raw.data.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi: bountyBoardAbi, data: raw.data });
        return `${decoded.errorName}(${(decoded.args ?? []).map((arg) => String(arg)).join(", ")})`;
      } catch {
        // not one of the board's errors: fall through
      }
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName) {
        const args = (reverted.data.args ?? []).map((arg) => String(arg)).join(", ");
        return `${reverted.data.errorName}(${args})`;
      }
      return reverted.reason ?? reverted.shortMessage;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

export class Publisher {
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: PublisherOptions) {
    this.retries = options.retries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 250;
  }

  private retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withRetries(call, {
      retries: this.retries,
      minDelayMs: this.retryDelayMs,
      isTransient,
      onRetry: ({ error, attempt }) =>
        this.options.log.warn({ what, attempt, err: error }, "RPC error, retrying"),
    });
  }

  /** The board call a verdict makes, as calldata. */
  private call(verdict: Verdict): { to: Address; data: Hex } {
    const data =
      verdict.kind === "score"
        ? encodeFunctionData({
            abi: bountyBoardAbi,
            functionName: "publishEvaluation",
            args: [verdict.submissionId, verdict.score, verdict.reportHash],
          })
        : encodeFunctionData({
            abi: bountyBoardAbi,
            functionName: "disqualifySubmission",
            args: [verdict.submissionId, verdict.reportHash, verdict.copyOf],
          });
    return { to: this.options.board, data };
  }

  private async onchainVerdict(submissionId: bigint): Promise<string> {
    const sub = await this.retry("getSubmission", () =>
      this.options.chain.readContract({
        address: this.options.board,
        abi: bountyBoardAbi,
        functionName: "getSubmission",
        args: [submissionId],
      }),
    );
    return VERDICT[sub.verdict] ?? String(sub.verdict);
  }

  private async save(run: EvaluationRunRow, fields: Partial<EvaluationRunRow>): Promise<void> {
    await this.options.db
      .update(evaluationRuns)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(and(eq(evaluationRuns.chainId, run.chainId), eq(evaluationRuns.submissionId, run.submissionId)));
  }

  /** Publishes `verdict` for `run` unless it already is; returns what happened (also saved in the run). */
  async publish(run: EvaluationRunRow, verdict: Verdict): Promise<PublishResult> {
    const { chain, wallet, account, log } = this.options;
    if (run.publish === "confirmed" || run.publish === "reverted" || run.publish === "skipped") {
      return {
        publish: run.publish,
        ...(run.txHash && { txHash: run.txHash as Hex }),
        ...(run.txError && { error: run.txError }),
      };
    }

    let txHash = run.txHash as Hex | null;
    if (run.publish === "sent" && run.rawTx && txHash) {
      // A previous run signed (and maybe broadcast) this transaction: send the same one again, never a new one.
      try {
        await this.retry("sendRawTransaction", () =>
          chain.sendRawTransaction({ serializedTransaction: run.rawTx as Hex }),
        );
      } catch (error) {
        // "already known" or "nonce too low": it is in the pool or mined; the receipt says which.
        log.info({ txHash, err: (error as Error).message.split("\n")[0] }, "re-broadcast refused");
      }
      const receipt = await chain
        .waitForTransactionReceipt({ hash: txHash, timeout: this.options.receiptTimeoutMs ?? 30_000 })
        .catch(() => undefined);
      if (receipt) return this.settle(run, verdict, txHash, receipt.status, receipt.blockNumber);
      // Never mined and no longer valid (its nonce went to another transaction): publish afresh, if still needed.
      log.warn({ txHash }, "saved transaction was never mined");
    }

    const current = await this.onchainVerdict(verdict.submissionId);
    if (current !== "Pending") {
      await this.save(run, { publish: "skipped", txError: `the submission is already ${current} on-chain` });
      return { publish: "skipped", error: `already ${current}` };
    }

    const call = this.call(verdict);
    try {
      await this.retry("simulate", () => chain.call({ ...call, account }));
    } catch (error) {
      // Only the board refusing it is final; anything else (a node too slow to answer) fails the job, retried.
      if (isTransient(error) || !isRevert(error)) throw error;
      const reason = revertReason(error);
      await this.save(run, { publish: "reverted", txError: reason });
      log.error({ submissionId: String(verdict.submissionId), reason }, "publishing would revert");
      return { publish: "reverted", error: reason };
    }

    const request = await this.retry("prepare", () =>
      wallet.prepareTransactionRequest({ ...call, account, chain: wallet.chain }),
    );
    const rawTx = await account.signTransaction(request as unknown as TransactionSerializable);
    txHash = keccak256(rawTx);
    await this.save(run, { publish: "sent", rawTx, txHash });
    await this.retry("sendRawTransaction", () => chain.sendRawTransaction({ serializedTransaction: rawTx }));
    const receipt = await this.retry("receipt", () =>
      chain.waitForTransactionReceipt({
        hash: txHash as Hex,
        timeout: this.options.receiptTimeoutMs ?? 60_000,
      }),
    );
    return this.settle(run, verdict, txHash, receipt.status, receipt.blockNumber);
  }

  private async settle(
    run: EvaluationRunRow,
    verdict: Verdict,
    txHash: Hex,
    status: "success" | "reverted",
    blockNumber: bigint,
  ): Promise<PublishResult> {
    if (status === "success") {
      await this.save(run, { publish: "confirmed", txHash, txError: null });
      return { publish: "confirmed", txHash };
    }
    // Replay the call on the block's state to learn why it reverted.
    let reason = "reverted";
    try {
      await this.options.chain.call({ ...this.call(verdict), account: this.options.account, blockNumber });
    } catch (error) {
      reason = revertReason(error);
    }
    await this.save(run, { publish: "reverted", txHash, txError: reason });
    this.options.log.error({ txHash, reason }, "verdict transaction reverted");
    return { publish: "reverted", txHash, error: reason };
  }
}
