import { shortHex } from "../../core/format.js";
import type { TxState } from "../hooks/use-transaction.js";
import { TxLink } from "./TxLink.js";

/**
 * Where a wallet flow is, next to the button that started it: checking, waiting for the signature, mined,
 * or what went wrong. (The same progress also shows as a toast: useTransaction.)
 */
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
              (tx <TxLink hash={state.hash} label={shortHex(state.hash)} />)
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

/**
 * A transaction toast's line: what is happening, and the transaction; once mined, linked (to the explorer,
 * or /tx/<hash> once indexed).
 */
export function TxToastBody({ text, hash, mined }: { text: string; hash: string; mined: boolean }) {
  return (
    <p>
      {text}{" "}
      {mined ? <TxLink hash={hash} label={shortHex(hash)} /> : <code title={hash}>{shortHex(hash)}</code>}.
    </p>
  );
}
