import { useAccount, useChainId, useConnect, useDisconnect, useSwitchChain } from "wagmi";
import { shortHex } from "../../core/format.js";
import { explainWalletError } from "../utils/wallet-errors.js";

/** The connectors to offer: a browser wallet, and on anvil in development the dev accounts. */
export function ConnectorList() {
  const { connect, connectors, error, isPending, variables } = useConnect();
  return (
    <div className="connectors">
      <ul aria-label="Wallets">
        {connectors.map((connector) => (
          <li key={connector.uid}>
            <button type="button" disabled={isPending} onClick={() => connect({ connector })}>
              {isPending && variables?.connector === connector
                ? "Connecting…"
                : connector.type === "injected"
                  ? "Browser wallet"
                  : connector.name}
            </button>
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" className="field-error">
          {explainWalletError(error).message}
        </p>
      ) : null}
    </div>
  );
}

/** A warning, with a button to switch, when the wallet is on another chain than the platform's. */
export function NetworkGuard() {
  const { chainId: walletChain, status } = useAccount();
  const platformChain = useChainId();
  const { chains, switchChain, error, isPending } = useSwitchChain();
  if (status !== "connected" || walletChain === platformChain) return null;
  const target = chains.find((c) => c.id === platformChain);
  return (
    <div role="alert" className="network-guard">
      Your wallet is on chain {walletChain}; this platform runs on {target?.name ?? `chain ${platformChain}`}.{" "}
      <button type="button" disabled={isPending} onClick={() => switchChain({ chainId: platformChain })}>
        Switch network
      </button>
      {error ? <span className="field-error"> {explainWalletError(error).message}</span> : null}
    </div>
  );
}

/** Connect / disconnect a wallet, in the header. */
export function WalletButton() {
  const { address, status } = useAccount();
  const { disconnect } = useDisconnect();

  if (status === "connected" && address) {
    return (
      <span className="wallet">
        <span title={address}>Wallet {shortHex(address)}</span>{" "}
        <button type="button" onClick={() => disconnect()}>
          Disconnect
        </button>
      </span>
    );
  }
  return (
    <details className="wallet-menu">
      <summary>Connect wallet</summary>
      <ConnectorList />
    </details>
  );
}
