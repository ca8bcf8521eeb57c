import { useAccount, useConnect, useDisconnect } from "wagmi";

/** A sentence a person can act on, rather than the library's message with its version. */
function explain(error: Error): string {
  if (error.name === "ProviderNotFoundError") {
    return "No browser wallet found. Install one (MetaMask, Rabby, …) to fund bounties.";
  }
  if (error.name === "UserRejectedRequestError") return "Connection cancelled in the wallet.";
  return "shortMessage" in error && typeof error.shortMessage === "string"
    ? error.shortMessage
    : error.message;
}

function short(address: string) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Connect / disconnect an injected wallet (MetaMask, Rabby, a browser's built-in one). */
export function WalletButton() {
  const { address, status } = useAccount();
  const { connect, connectors, error, isPending } = useConnect();
  const { disconnect } = useDisconnect();

  if (status === "connected" && address) {
    return (
      <button type="button" onClick={() => disconnect()} title="Disconnect wallet">
        {short(address)}
      </button>
    );
  }
  const connector = connectors[0];
  return (
    <span>
      <button
        type="button"
        disabled={!connector || isPending}
        onClick={() => connector && connect({ connector })}
      >
        {isPending ? "Connecting…" : "Connect wallet"}
      </button>
      {error ? (
        <small role="alert" className="wallet-error">
          {explain(error)}
        </small>
      ) : null}
    </span>
  );
}
