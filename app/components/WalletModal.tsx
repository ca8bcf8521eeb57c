/**
 * The connect dialog: browser wallets (wagmi's injected connector, and each wallet that announces itself
 * through EIP-6963), and in development the dev wallet's anvil accounts, each with the parts it plays
 * (DAO, backer, trainer…). One dialog for the whole app, opened by `useWalletModal().open()` from the
 * header's "Connect wallet" and from every page's connect prompt (ConnectorList). It closes once a wallet
 * is connected; a failure is said inside it.
 */
import { createContext, type ReactNode, useContext, useMemo, useState } from "react";
import { type Connector, useConnect } from "wagmi";
import { shortHex } from "../../core/format.js";
import { explainWalletError } from "../utils/wallet-errors.js";
import { type DevAccount, devConnectorId } from "../wagmi.js";
import { Badge, type BadgeTone } from "./ui/Badge.js";
import { Modal } from "./ui/Modal.js";

interface WalletModal {
  open(): void;
}

const WalletModalContext = createContext<WalletModal>({ open: () => {} });

export function useWalletModal(): WalletModal {
  return useContext(WalletModalContext);
}

export function WalletModalProvider({
  devAccounts,
  children,
}: {
  /** The dev wallet's accounts (empty unless the dev wallet is on), in connector order. */
  devAccounts: DevAccount[];
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const value = useMemo(() => ({ open: () => setOpen(true) }), []);
  return (
    <WalletModalContext.Provider value={value}>
      {children}
      <ConnectDialog open={open} onClose={() => setOpen(false)} devAccounts={devAccounts} />
    </WalletModalContext.Provider>
  );
}

/** Each part's tint, so the dev accounts' roles read at a glance (the text says it too). */
const PART_TONES: Record<string, BadgeTone> = {
  DAO: "accent",
  evaluator: "warning",
  admin: "neutral",
  backer: "info",
  trainer: "teal",
  newcomer: "success",
};

/** The generic injected connector (window.ethereum), as opposed to a wallet that announced itself. */
const isGenericInjected = (connector: Connector) => connector.id === "injected";

function ConnectDialog({
  open,
  onClose,
  devAccounts,
}: {
  open: boolean;
  onClose(): void;
  devAccounts: DevAccount[];
}) {
  const { connect, connectors, error, isPending, variables, reset } = useConnect();
  const devIds = new Set(devAccounts.map((_, index) => devConnectorId(index)));
  const browser = connectors.filter((c) => !devIds.has(c.id));
  const announced = browser.filter((c) => !isGenericInjected(c));
  const close = () => {
    reset();
    onClose();
  };
  const choose = (connector: Connector) => connect({ connector }, { onSuccess: close });
  const connecting = (connector: Connector) => isPending && variables?.connector === connector;

  return (
    <Modal
      open={open}
      onClose={close}
      title="Connect a wallet"
      description="Your wallet signs every transaction and the sign-in message; Crowdtrain never holds a key."
    >
      <h3 className="mt-4 text-sm">Browser wallets</h3>
      <ul className="wallet-options" aria-label="Browser wallets">
        {browser.map((connector) => (
          <li key={connector.uid}>
            <button
              type="button"
              className="wallet-option"
              disabled={isPending}
              onClick={() => choose(connector)}
            >
              <span className="wallet-option-name">
                {connector.icon ? <img src={connector.icon} alt="" /> : null}
                {isGenericInjected(connector)
                  ? announced.length > 0
                    ? "Other browser wallet"
                    : "Browser wallet"
                  : connector.name}
              </span>
              {connecting(connector) ? <span className="muted">Connecting…</span> : null}
            </button>
          </li>
        ))}
      </ul>
      {devAccounts.length > 0 ? (
        <>
          <h3 className="mt-5 text-sm">
            Dev accounts <Badge tone="warning">local chain only</Badge>
          </h3>
          <p className="muted mt-1">
            anvil's public test accounts, signed for by the local chain. Their parts in the demo: DAOs
            propose, backers fund, the trainer runs the local pool, the newcomer has no history yet.
          </p>
          <ul className="wallet-options sm:grid-cols-2" aria-label="Dev accounts">
            {devAccounts.map((account, index) => {
              const connector = connectors.find((c) => c.id === devConnectorId(index));
              if (!connector) return null;
              const parts = account.label ? account.label.split(", ") : [];
              return (
                <li key={connector.uid}>
                  <button
                    type="button"
                    className="wallet-option"
                    disabled={isPending}
                    onClick={() => choose(connector)}
                    title={account.address}
                  >
                    <span className="flex min-w-0 flex-col items-start gap-1">
                      <span className="wallet-option-name">Dev account #{index}</span>{" "}
                      <code className="muted text-xs">{shortHex(account.address)}</code>
                    </span>{" "}
                    <span className="flex flex-wrap justify-end gap-1">
                      {connecting(connector) ? (
                        <span className="muted">Connecting…</span>
                      ) : (
                        parts.map((part) => (
                          <Badge key={part} tone={PART_TONES[part] ?? "neutral"}>
                            {part}
                          </Badge>
                        ))
                      )}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
      {error ? (
        <p role="alert" className="field-error">
          {explainWalletError(error).message}
        </p>
      ) : null}
    </Modal>
  );
}
