/**
 * The wallet actions of a bounty page: fund (allowance, permit or approve + fund),
 * finalize when due, refund a failed bounty, withdraw the payout, claim revenue,
 * and for trainers claim the bounty and submit a checkpoint. What is offered is
 * read from the chain for the connected account, so a button only shows when
 * the contract would accept it; every call is still simulated first and its
 * revert explained (see useTransaction). Browser-only behaviour, server-rendered
 * as a "connect a wallet" prompt.
 */
import { useRevalidator } from "@remix-run/react";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { type Address, erc20Abi, type Hex, parseSignature, zeroAddress } from "viem";
import { useAccount, useBlock, useReadContracts, useSignTypedData } from "wagmi";
import { formatAmount, parseAmount } from "~/lib/format";
import { usePlatform } from "~/lib/platform";
import { useTransaction } from "~/lib/use-transaction";
import { boardErrorsAbi } from "~/lib/wallet-errors";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOND_STATE, BOUNTY_STATUS } from "../../lib/board-enums.js";
import { permitTypedData } from "../../lib/permit.js";
import { TxStatus } from "./TxStatus";
import { ConnectorList, NetworkGuard } from "./WalletButton";

/** EIP-5267's domain getter, which OpenZeppelin's ERC20Permit implements: its answer signs permits. */
const eip712DomainAbi = [
  {
    type: "function",
    name: "eip712Domain",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "fields", type: "bytes1" },
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
      { name: "salt", type: "bytes32" },
      { name: "extensions", type: "uint256[]" },
    ],
  },
  {
    type: "function",
    name: "nonces",
    stateMutability: "view",
    inputs: [{ name: "owner", type: "address" }],
    outputs: [{ type: "uint256" }],
  },
] as const;

/** How long a permit signature stays valid. */
const PERMIT_TTL_S = 3_600n;

/**
 * `refreshKey` changes when the page's indexed data does (the page polls while the bounty is live): the
 * chain reads are then refreshed too, so the offered actions follow the bounty's progress.
 */
export function BountyActions({ bountyId, refreshKey }: { bountyId: string; refreshKey: string }) {
  const { contracts } = usePlatform();
  const { address, status } = useAccount();
  if (!contracts.board) return <p className="muted">The board's address is not known yet.</p>;
  if (status !== "connected" || !address) {
    return (
      <div className="wallet-prompt">
        <p>Connect a wallet to fund this bounty, claim it as a trainer, or collect what you are owed.</p>
        <ConnectorList />
      </div>
    );
  }
  return (
    <ConnectedActions
      bountyId={BigInt(bountyId)}
      board={contracts.board}
      account={address}
      refreshKey={refreshKey}
    />
  );
}

function ConnectedActions({
  bountyId,
  board,
  account,
  refreshKey,
}: {
  bountyId: bigint;
  board: Address;
  account: Address;
  refreshKey: string;
}) {
  const revalidator = useRevalidator();
  const { state, run, busy } = useTransaction();
  const { signTypedDataAsync } = useSignTypedData();
  const [amountText, setAmountText] = useState("");
  const [amountError, setAmountError] = useState<string | null>(null);
  const [checkpointUri, setCheckpointUri] = useState("");
  const [checkpointHash, setCheckpointHash] = useState<Hex | null>(null);
  const [checkpointError, setCheckpointError] = useState<string | null>(null);

  const boardRead = { address: board, abi: bountyBoardAbi } as const;
  const chainState = useReadContracts({
    contracts: [
      { ...boardRead, functionName: "getBounty", args: [bountyId] },
      { ...boardRead, functionName: "refundable", args: [bountyId, account] },
      { ...boardRead, functionName: "payoutOwed", args: [bountyId] },
      { ...boardRead, functionName: "claimableRevenue", args: [bountyId, account] },
      { ...boardRead, functionName: "getClaim", args: [bountyId, account] },
      { ...boardRead, functionName: "finalizableAt", args: [bountyId] },
      { ...boardRead, functionName: "balanceOf", args: [account, bountyId] },
    ],
  });
  const bounty = chainState.data?.[0]?.result;
  const token = bounty?.token ?? zeroAddress;
  const tokenState = useReadContracts({
    contracts: [
      { address: token, abi: erc20Abi, functionName: "decimals" },
      { address: token, abi: erc20Abi, functionName: "symbol" },
      { address: token, abi: erc20Abi, functionName: "balanceOf", args: [account] },
      { address: token, abi: erc20Abi, functionName: "allowance", args: [account, board] },
      { address: token, abi: eip712DomainAbi, functionName: "eip712Domain" },
      { address: token, abi: eip712DomainAbi, functionName: "nonces", args: [account] },
    ],
    query: { enabled: token !== zeroAddress },
  });
  // Deadlines are judged by the chain's clock, which a dev chain may have moved ahead of the wall clock.
  const latestBlock = useBlock();
  const winnerState = useReadContracts({
    contracts: [{ ...boardRead, functionName: "getSubmission", args: [bounty?.bestSubmissionId ?? 0n] }],
    query: { enabled: (bounty?.bestSubmissionId ?? 0n) !== 0n },
  });

  const refetchAll = () =>
    Promise.all([chainState.refetch(), tokenState.refetch(), winnerState.refetch(), latestBlock.refetch()]);
  // The reads ran on mount; they run again only when the indexed data has changed since.
  const seenKey = useRef(refreshKey);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey is the trigger, not an input.
  useEffect(() => {
    if (seenKey.current === refreshKey) return;
    seenKey.current = refreshKey;
    void refetchAll();
  }, [refreshKey]);

  if (chainState.isPending || tokenState.isPending) return <p role="status">Reading the chain…</p>;
  if (!bounty || chainState.error) {
    return (
      <p role="alert" className="field-error">
        Cannot read bounty #{String(bountyId)} from the chain: {chainState.error?.message ?? "not found"}.
      </p>
    );
  }
  const [, refundableR, payoutR, revenueR, claimR, finalizableR, sharesR] = chainState.data ?? [];
  const [decimalsR, symbolR, balanceR, allowanceR, domainR, nonceR] = tokenState.data ?? [];
  const decimals = decimalsR?.result ?? 18;
  const symbol = symbolR?.result ?? "tokens";
  const balance = balanceR?.result ?? 0n;
  const allowance = allowanceR?.result ?? 0n;
  const domain = domainR?.status === "success" && nonceR?.status === "success" ? domainR.result : undefined;
  const show = (value: bigint) => formatAmount(value.toString(), decimals, symbol);
  const status = BOUNTY_STATUS[bounty.status] ?? "None";
  const wallClock = BigInt(Math.floor(Date.now() / 1000));
  const chainClock = latestBlock.data?.timestamp ?? 0n;
  const now = chainClock > wallClock ? chainClock : wallClock;
  const refundable = refundableR?.result ?? 0n;
  const shares = sharesR?.result ?? 0n;
  const payout = payoutR?.result ?? 0n;
  const revenue = revenueR?.result ?? 0n;
  const claim = claimR?.result;
  const claimed = claim ? BOND_STATE[claim.bondState] !== "None" : false;
  const finalizableAt = finalizableR?.result ?? 0n;
  const winner = winnerState.data?.[0]?.result?.trainer;
  const isWinner = winner !== undefined && winner.toLowerCase() === account.toLowerCase();

  const fundingOpen = (status === "Funding" || status === "Funded") && now < bounty.fundingDeadline;
  const canFinalize =
    (status === "Funding" && now >= bounty.fundingDeadline) ||
    (status === "Funded" && finalizableAt !== 0n && now >= finalizableAt);
  const deliveryOpen = status === "Funded" && now < bounty.deliveryDeadline;

  const after = async (ok: boolean) => {
    if (ok) {
      setAmountText("");
      await refetchAll();
      revalidator.revalidate();
    }
  };

  async function fund(event: FormEvent) {
    event.preventDefault();
    const amount = parseAmount(amountText, decimals);
    if (typeof amount === "string") return setAmountError(amount);
    if (amount > balance) {
      return setAmountError(`Your balance is ${show(balance)}; this needs ${show(amount)}.`);
    }
    setAmountError(null);
    const ok = await run(async (tx) => {
      if (allowance >= amount) {
        await tx.send("Funding", {
          ...boardRead,
          abi: boardErrorsAbi,
          functionName: "fund",
          args: [bountyId, amount],
        });
      } else if (domain) {
        // One signature instead of an approve transaction: EIP-2612.
        tx.progress("Signing a permit");
        const deadline = now + PERMIT_TTL_S;
        const signature = await signTypedDataAsync(
          permitTypedData({
            domain: {
              name: domain[1],
              version: domain[2],
              chainId: Number(domain[3]),
              verifyingContract: domain[4],
            },
            owner: account,
            spender: board,
            value: amount,
            nonce: nonceR?.result ?? 0n,
            deadline,
          }),
        );
        const { v, r, s, yParity } = parseSignature(signature);
        await tx.send("Funding with a permit", {
          ...boardRead,
          abi: boardErrorsAbi,
          functionName: "fundWithPermit",
          args: [bountyId, amount, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
        });
      } else {
        await tx.send("Approving", {
          address: token,
          abi: erc20Abi,
          functionName: "approve",
          args: [board, amount],
        });
        await tx.send("Funding", {
          ...boardRead,
          abi: boardErrorsAbi,
          functionName: "fund",
          args: [bountyId, amount],
        });
      }
      return `Funded ${show(amount)}. Thank you!`;
    });
    await after(ok);
  }

  const simple = (step: string, functionName: string, args: readonly unknown[], note: string) => async () => {
    const ok = await run(async (tx) => {
      await tx.send(step, { ...boardRead, abi: boardErrorsAbi, functionName, args });
      return note;
    });
    await after(ok);
  };

  async function claimBounty() {
    const ok = await run(async (tx) => {
      if (bounty && bounty.bond > allowance) {
        await tx.send("Approving the bond", {
          address: token,
          abi: erc20Abi,
          functionName: "approve",
          args: [board, bounty.bond],
        });
      }
      await tx.send("Claiming", {
        ...boardRead,
        abi: boardErrorsAbi,
        functionName: "claim",
        args: [bountyId],
      });
      return "Claimed: you can now submit checkpoints until the delivery deadline.";
    });
    await after(ok);
  }

  async function pickCheckpoint(file: File | undefined) {
    setCheckpointHash(null);
    setCheckpointError(null);
    if (!file) return;
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    setCheckpointHash(`0x${hex}`);
  }

  async function submitCheckpoint(event: FormEvent) {
    event.preventDefault();
    if (!checkpointHash)
      return setCheckpointError("Choose the ONNX checkpoint file: its sha256 is submitted.");
    if (!/^(https?|ipfs|ar):\/\/\S+$/.test(checkpointUri.trim())) {
      return setCheckpointError(
        "Give the URL evaluators download the checkpoint from (https://…, ipfs://…).",
      );
    }
    setCheckpointError(null);
    const ok = await run(async (tx) => {
      await tx.send("Submitting the checkpoint", {
        ...boardRead,
        abi: boardErrorsAbi,
        functionName: "submitCheckpoint",
        args: [bountyId, checkpointHash, checkpointUri.trim()],
      });
      return "Checkpoint submitted: it will be evaluated on the private set.";
    });
    await after(ok);
  }

  return (
    <div className="actions">
      <NetworkGuard />
      <p className="muted">
        Your balance: {show(balance)}
        {shares > 0n
          ? ` · your share of this bounty: ${show(shares)} (${((Number(shares) / Number(bounty.raised || 1n)) * 100).toFixed(1)}% of what it raised; refunded if it fails)`
          : ""}
      </p>
      {fundingOpen ? (
        <form onSubmit={fund} className="inline-form" noValidate>
          <div className="field">
            <label htmlFor="fund-amount">Amount ({symbol})</label>
            <input
              id="fund-amount"
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              value={amountText}
              onChange={(e) => setAmountText(e.target.value)}
              aria-invalid={amountError ? true : undefined}
              aria-describedby={amountError ? "fund-amount-error" : undefined}
            />
            {amountError ? (
              <span id="fund-amount-error" className="field-error">
                {amountError}
              </span>
            ) : null}
          </div>
          <button type="submit" disabled={busy}>
            Fund
          </button>
        </form>
      ) : null}
      <div className="action-row">
        {canFinalize ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple("Finalizing", "finalize", [bountyId], "Finalized: the outcome is on-chain.")}
          >
            Finalize bounty
          </button>
        ) : null}
        {refundable > 0n ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple("Refunding", "refund", [bountyId], `Refunded ${show(refundable)}.`)}
          >
            Refund {show(refundable)}
          </button>
        ) : null}
        {payout > 0n && isWinner ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple(
              "Withdrawing the payout",
              "withdrawPayout",
              [bountyId],
              `Withdrew ${show(payout)}.`,
            )}
          >
            Withdraw payout {show(payout)}
          </button>
        ) : null}
        {revenue > 0n ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple(
              "Claiming revenue",
              "claimRevenue",
              [bountyId],
              `Claimed ${show(revenue)} of revenue.`,
            )}
          >
            Claim revenue {show(revenue)}
          </button>
        ) : null}
        {deliveryOpen && !claimed ? (
          <button type="button" disabled={busy} onClick={claimBounty}>
            Claim as trainer{bounty.bond > 0n ? ` (bond ${show(bounty.bond)})` : ""}
          </button>
        ) : null}
      </div>
      {deliveryOpen && claimed ? (
        <form onSubmit={submitCheckpoint} className="inline-form" noValidate>
          <div className="field">
            <label htmlFor="checkpoint-file">Checkpoint (.onnx)</label>
            <input
              id="checkpoint-file"
              type="file"
              accept=".onnx"
              onChange={(e) => void pickCheckpoint(e.target.files?.[0])}
            />
            {checkpointHash ? <code className="muted">sha256 {checkpointHash.slice(2, 18)}…</code> : null}
          </div>
          <div className="field">
            <label htmlFor="checkpoint-uri">Download URL</label>
            <input
              id="checkpoint-uri"
              name="uri"
              type="url"
              placeholder="https://…/model.onnx"
              value={checkpointUri}
              onChange={(e) => setCheckpointUri(e.target.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            Submit checkpoint
          </button>
          {checkpointError ? (
            <span role="alert" className="field-error">
              {checkpointError}
            </span>
          ) : null}
        </form>
      ) : null}
      <TxStatus state={state} />
    </div>
  );
}
