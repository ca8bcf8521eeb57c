/**
 * Sending contract transactions from the connected wallet, one flow at a time:
 * each step is simulated first (so a revert is caught and decoded before the
 * wallet asks for a signature), then signed, then awaited until mined. The
 * state says where the flow is, for <TxStatus> next to the button; each
 * transaction also shows as a toast (checking, confirm in the wallet, pending,
 * mined with its link, or the error as a sentence), which stays in view
 * wherever the page is scrolled. Browser-only.
 */
import { createElement, useCallback, useEffect, useRef, useState } from "react";
import type { Abi, Address, Hash, TransactionReceipt } from "viem";
import { useAccount, useConfig } from "wagmi";
import { simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import { TxToastBody } from "../components/TxStatus.js";
import { type ToastInput, useToasts } from "../components/ui/Toasts.js";
import { type ExplainedError, explainWalletError } from "../utils/wallet-errors.js";

export type TxState =
  | { phase: "idle" }
  | { phase: "checking" | "signing"; step: string }
  | { phase: "pending"; step: string; hash: Hash }
  | { phase: "done"; step: string; hash: Hash | null; note: string }
  | { phase: "failed"; step: string; error: ExplainedError };

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export interface TxRunner {
  account: Address | undefined;
  /** Simulates, sends and waits for one call; throws what the wallet or chain said. */
  send(step: string, call: ContractCall): Promise<TransactionReceipt>;
  /** Sets a progress message for a step that is not a transaction (an upload, a signature). */
  progress(step: string): void;
}

export function useTransaction() {
  const config = useConfig();
  const { address } = useAccount();
  const [state, setState] = useState<TxState>({ phase: "idle" });

  const run = useCallback(
    async (flow: (tx: TxRunner) => Promise<string>) => {
      let step = "";
      const tx: TxRunner = {
        account: address,
        progress(label) {
          step = label;
          setState({ phase: "checking", step });
        },
        async send(label, call) {
          step = label;
          setState({ phase: "checking", step });
          // Simulation decodes a revert with the ABI (custom errors included) before anything is signed.
          const { request } = await simulateContract(config, { ...call, account: address } as never);
          setState({ phase: "signing", step });
          const hash = await writeContract(config, request as never);
          setState({ phase: "pending", step, hash });
          const receipt = await waitForTransactionReceipt(config, { hash });
          if (receipt.status !== "success") throw new Error(`${label}: the transaction ${hash} reverted`);
          setState({ phase: "done", step, hash, note: "" });
          return receipt;
        },
      };
      try {
        const note = await flow(tx);
        setState((previous) => ({
          phase: "done",
          step,
          hash: previous.phase === "done" || previous.phase === "pending" ? previous.hash : null,
          note,
        }));
        return true;
      } catch (error) {
        setState({ phase: "failed", step, error: explainWalletError(error) });
        return false;
      }
    },
    [config, address],
  );

  useTxToasts(state);

  const reset = useCallback(() => setState({ phase: "idle" }), []);
  const busy = state.phase === "checking" || state.phase === "signing" || state.phase === "pending";
  return { state, run, reset, busy };
}

/** How long a "mined" toast stays (paused while hovered or focused); errors stay until dismissed. */
const DONE_TOAST_MS = 8_000;

/** The toast for a flow's state; null for idle. Not announced: <TxStatus> says the same where it happened. */
export function txToast(state: TxState): ToastInput | null {
  const base = { announce: false } as const;
  switch (state.phase) {
    case "idle":
      return null;
    case "checking":
      return { ...base, tone: "info", title: state.step, body: "In progress…", timeoutMs: null };
    case "signing":
      return { ...base, tone: "info", title: state.step, body: "Confirm in your wallet.", timeoutMs: null };
    case "pending":
      return {
        ...base,
        tone: "info",
        title: state.step,
        body: createElement(TxToastBody, {
          text: "Waiting for the transaction to be mined:",
          hash: state.hash,
          mined: false,
        }),
        timeoutMs: null,
      };
    case "done":
      return state.hash
        ? {
            ...base,
            tone: "success",
            title: state.step ? `${state.step}: confirmed` : "Confirmed",
            body: createElement(TxToastBody, { text: "Mined in", hash: state.hash, mined: true }),
            timeoutMs: DONE_TOAST_MS,
          }
        : { ...base, tone: "success", title: state.step || "Done", body: "Done.", timeoutMs: DONE_TOAST_MS };
    case "failed":
      return {
        ...base,
        tone: "error",
        title: state.step ? `${state.step} failed` : "That did not work",
        body: state.error.message,
        timeoutMs: null,
      };
  }
}

/**
 * One toast per transaction: a step's checking, signing and pending update it in place; once it is mined or
 * failed, the next step opens a new one.
 */
function useTxToasts(state: TxState) {
  const toasts = useToasts();
  const current = useRef<number | null>(null);
  const settled = useRef(false);
  useEffect(() => {
    const toast = txToast(state);
    if (!toast) return;
    const finished = state.phase === "done" || state.phase === "failed";
    if (current.current === null || (settled.current && !finished)) {
      current.current = toasts.show(toast);
    } else {
      toasts.update(current.current, toast);
    }
    settled.current = finished;
  }, [state, toasts]);
}
