import { useAccount, useChainId, useDisconnect, useSwitchChain } from "wagmi";
import { shortHex } from "../../core/format.js";
import { explainWalletError } from "../utils/wallet-errors.js";
import { useWalletModal } from "./WalletModal.js";

/**
 * A page's prompt to connect: a button opening the connect dialog (WalletModal.tsx), which offers the browser
 * wallets and, on anvil in development, the dev accounts.
 */
export function ConnectorList() {
  const { open } = useWalletModal();
  return (
    <div className="connectors">
      <button type="button" onClick={open}>
        Connect wallet
      </button>
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
      <button
        type="button"
        className="btn-sm"
        disabled={isPending}
        onClick={() => switchChain({ chainId: platformChain })}
      >
        Switch network
      </button>
      {error ? <span className="field-error"> {explainWalletError(error).message}</span> : null}
    </div>
  );
}

/** The header's wallet: "Connect wallet" (the dialog), or the connected address and a disconnect. */
export function WalletButton() {
  const { address, status } = useAccount();
  const { disconnect } = useDisconnect();
  const { open } = useWalletModal();

  if (status === "connected" && address) {
    return (
      <span className="wallet">
        <span className="wallet-address" title={address}>
          <span aria-hidden="true" className="h-2 w-2 rounded-full bg-success" />
          <span className="visually-hidden">Wallet </span>
          {shortHex(address)}
        </span>
        <button type="button" className="btn-secondary btn-sm" onClick={() => disconnect()}>
          Disconnect
        </button>
      </span>
    );
  }
  return (
    <button type="button" className="btn-sm" onClick={open}>
      Connect wallet
    </button>
  );
}
