/**
 * The account page's one-click actions, for the connected wallet of that account only: one transaction
 * flow at a time (useTransaction: simulated, signed, mined; a revert becomes a sentence through
 * wallet-errors.ts), its state shown in one place at the top of the page, so it stays visible when the
 * row that started it changes. After a success the page reloads its data every second until the index
 * shows the transaction (the page's `version` changes) or a minute has passed; meanwhile the action that
 * succeeded is hidden, so it is not offered twice. Browser-only behaviour: the server renders no actions.
 */
import { useRevalidator } from "@remix-run/react";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import type { Address } from "viem";
import { useAccount } from "wagmi";
import { usePlatform } from "../hooks/platform.js";
import { useLiveUpdates } from "../hooks/use-live-updates.js";
import { type TxRunner, useTransaction } from "../hooks/use-transaction.js";
import { boardErrorsAbi } from "../utils/wallet-errors.js";
import { TxStatus } from "./TxStatus.js";
import { NetworkGuard } from "./WalletButton.js";

/** How long the page polls for the index to show a transaction before giving up. */
const WAIT_FOR_INDEX_MS = 60_000;

interface AccountActionsValue {
  /** The connected wallet is this page's account: actions may be offered. */
  owner: boolean;
  /** The connected account (this page's, when `owner`). */
  account: Address | undefined;
  board: Address | null;
  busy: boolean;
  /** Runs a flow for the action `key`; true when it succeeded. */
  run(key: string, flow: (tx: TxRunner) => Promise<string>): Promise<boolean>;
  /** Whether the action `key` succeeded and the index does not show it yet. */
  done(key: string): boolean;
}

const AccountActionsContext = createContext<AccountActionsValue>({
  owner: false,
  account: undefined,
  board: null,
  busy: false,
  run: async () => false,
  done: () => false,
});

export function useAccountActions(): AccountActionsValue {
  return useContext(AccountActionsContext);
}

/**
 * Provides the actions to the page below it, for `address`. `version` changes when the indexed data the
 * actions act on has changed (the newest history row: every action emits an event naming the account).
 */
export function AccountActionsProvider({
  address,
  version,
  children,
}: {
  address: string;
  version: string;
  children: ReactNode;
}) {
  const { address: connected } = useAccount();
  const { contracts } = usePlatform();
  const revalidator = useRevalidator();
  const { state, run: runTx, busy } = useTransaction();
  const [doneKeys, setDoneKeys] = useState<ReadonlySet<string>>(new Set());
  const [waitingSince, setWaitingSince] = useState<number | null>(null);
  const owner = connected !== undefined && connected.toLowerCase() === address.toLowerCase();

  useLiveUpdates(waitingSince !== null, 1_000);
  // The index has caught up: offer what the new data says, and stop polling.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the trigger, not an input.
  useEffect(() => {
    setDoneKeys(new Set());
    setWaitingSince(null);
  }, [version]);
  useEffect(() => {
    if (waitingSince === null) return;
    const timer = setTimeout(() => setWaitingSince(null), WAIT_FOR_INDEX_MS);
    return () => clearTimeout(timer);
  }, [waitingSince]);

  const run = useCallback(
    async (key: string, flow: (tx: TxRunner) => Promise<string>) => {
      const ok = await runTx(flow);
      if (ok) {
        setDoneKeys((keys) => new Set([...keys, key]));
        setWaitingSince(Date.now());
        revalidator.revalidate();
      }
      return ok;
    },
    [runTx, revalidator],
  );
  const done = useCallback((key: string) => doneKeys.has(key), [doneKeys]);

  return (
    <AccountActionsContext.Provider
      value={{ owner, account: owner ? connected : undefined, board: contracts.board, busy, run, done }}
    >
      {owner ? (
        <div className="actions" aria-live="polite">
          <NetworkGuard />
          <TxStatus state={state} />
        </div>
      ) : null}
      {children}
    </AccountActionsContext.Provider>
  );
}

/**
 * What only the account's own wallet sees: a table's actions column, say (its header and its cells), so
 * visitors get no empty column. (A visually hidden header would not do: absolutely positioned, it escapes
 * the table's scroll box and widens the page on a phone.)
 */
export function OwnerOnly({ children }: { children: ReactNode }) {
  return useAccountActions().owner ? children : null;
}

/**
 * One board call as a button, shown to the account's own wallet only: `functionName(args)` on the board,
 * `note` said when it is mined.
 */
export function AccountActionButton({
  actionKey,
  label,
  step,
  functionName,
  args,
  note,
}: {
  actionKey: string;
  label: string;
  step: string;
  functionName: string;
  args: readonly unknown[];
  note: string;
}) {
  const { owner, board, busy, run, done } = useAccountActions();
  if (!owner || !board || done(actionKey)) return null;
  const click = () =>
    run(actionKey, async (tx) => {
      await tx.send(step, { address: board, abi: boardErrorsAbi, functionName, args });
      return note;
    });
  return (
    <button type="button" disabled={busy} onClick={() => void click()}>
      {label}
    </button>
  );
}
