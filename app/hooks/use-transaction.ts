/**
 * Sending contract transactions from the connected wallet, one flow at a time:
 * each step is simulated first (so a revert is caught and decoded before the
 * wallet asks for a signature), then signed, then awaited until mined. The
 * state says where the flow is, for <TxStatus>. Browser-only.
 */
import { useCallback, useState } from "react";
import type { Abi, Address, Hash, TransactionReceipt } from "viem";
import { useAccount, useConfig } from "wagmi";
import { simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
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

  const reset = useCallback(() => setState({ phase: "idle" }), []);
  const busy = state.phase === "checking" || state.phase === "signing" || state.phase === "pending";
  return { state, run, reset, busy };
}
