import { useAccount, useConnect, useDisconnect } from "wagmi";

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
      {error ? <small role="alert"> {error.message}</small> : null}
    </span>
  );
}
