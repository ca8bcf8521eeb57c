import { shortHex } from "../../core/format.js";
import type { TxState } from "../hooks/use-transaction.js";

/** Where a wallet flow is: checking, waiting for the signature, mined, or what went wrong. */
export function TxStatus({ state }: { state: TxState }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "checking":
      return (
        <p role="status" className="tx-status">
          {state.step}: checking…
        </p>
      );
    case "signing":
      return (
        <p role="status" className="tx-status">
          {state.step}: confirm in your wallet…
        </p>
      );
    case "pending":
      return (
        <p role="status" className="tx-status">
          {state.step}: transaction <code title={state.hash}>{shortHex(state.hash)}</code> pending…
        </p>
      );
    case "done":
      return (
        <p role="status" className="tx-status tx-done">
          {state.note || `${state.step}: done`}
          {state.hash ? (
            <>
              {" "}
              (tx <code title={state.hash}>{shortHex(state.hash)}</code>)
            </>
          ) : null}
        </p>
      );
    case "failed":
      return (
        <p role="alert" className="tx-status field-error">
          {state.step ? `${state.step}: ` : ""}
          {state.error.message}
        </p>
      );
  }
}
