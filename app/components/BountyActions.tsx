/**
 * The wallet actions of a bounty page: fund (allowance, permit or approve + fund),
 * finalize when due, unlock the payout after the verification period, refund a
 * failed bounty, withdraw the payout, the bond or a dispute's money, claim revenue
 * (every withdrawal to a recipient, the connected account by default); for
 * trainers claim the bounty, commit a checkpoint and reveal it; for anyone dispute
 * a verdict (approving the dispute bond) or dismiss a dispute past its deadline;
 * for the arbiter resolve disputes; for the DAO reveal the eval set. What is offered is
 * read from the chain for the connected account, so a button only shows when
 * the contract would accept it; every call is still simulated first and its
 * revert explained (see useTransaction). Browser-only behaviour, server-rendered
 * as a "connect a wallet" prompt.
 */
import { useRevalidator } from "@remix-run/react";
import { type FormEvent, useEffect, useRef, useState } from "react";
import {
  type Address,
  encodeAbiParameters,
  erc20Abi,
  type Hex,
  isAddress,
  keccak256,
  parseSignature,
  stringToHex,
  toHex,
  zeroAddress,
} from "viem";
import { useAccount, useBlock, useReadContracts, useSignTypedData } from "wagmi";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { BOND_STATE, BOUNTY_STATUS } from "../../core/board-enums.js";
import { formatAmount, parseAmount } from "../../core/format.js";
import { permitTypedData } from "../../core/permit.js";
import { toOnchainScore } from "../../core/spec.js";
import { usePlatform } from "../hooks/platform.js";
import { useTransaction } from "../hooks/use-transaction.js";
import { boardErrorsAbi, when } from "../utils/wallet-errors.js";
import { TxStatus } from "./TxStatus.js";
import { ConnectorList, NetworkGuard } from "./WalletButton.js";

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
/** What the page knows from the index that the actions need. */
export interface BountyActionsData {
  /** The bounty's token as the index holds it (the one source of its decimals and symbol). */
  token: { symbol: string | null; decimals: number | null };
  /** For the DAO only (signed in): what revealing the eval set takes. */
  evalSetReveal: { sha256: string; salt: string; uri: string } | null;
  /** Submissions with a verdict (disputable when their window is open). */
  submissions: { submissionId: string; verdict: string }[];
  openDisputes: { disputeId: string; submissionId: string; deadline: string }[];
  /** Closed disputes whose money is not withdrawn: the disputer's, or the trainer's when rejected. */
  settledDisputes: {
    disputeId: string;
    outcome: string;
    disputer: string;
    trainer: string | null;
    amount: string;
  }[];
}

/** A commit waiting for its reveal, kept in the browser (its salt is the trainer's secret until then). */
interface PendingCommit {
  checkpointHash: Hex;
  uri: string;
  salt: Hex;
}
const commitKey = (board: Address, bountyId: bigint, account: Address) =>
  `crowdtrain:commit:${board}:${bountyId}:${account}`.toLowerCase();
function loadCommit(key: string): PendingCommit | null {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as PendingCommit) : null;
  } catch {
    return null;
  }
}

export function BountyActions({
  bountyId,
  refreshKey,
  ...data
}: { bountyId: string; refreshKey: string } & BountyActionsData) {
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
      data={data}
    />
  );
}

function ConnectedActions({
  bountyId,
  board,
  account,
  refreshKey,
  data,
}: {
  bountyId: bigint;
  board: Address;
  account: Address;
  refreshKey: string;
  data: BountyActionsData;
}) {
  const revalidator = useRevalidator();
  const { state, run, busy } = useTransaction();
  const { signTypedDataAsync } = useSignTypedData();
  const [amountText, setAmountText] = useState("");
  const [amountError, setAmountError] = useState<string | null>(null);
  const [checkpointUri, setCheckpointUri] = useState("");
  const [checkpointHash, setCheckpointHash] = useState<Hex | null>(null);
  const [checkpointError, setCheckpointError] = useState<string | null>(null);
  // Every withdrawal names a recipient: the connected account unless another is given.
  const [recipientText, setRecipientText] = useState("");
  const recipient = (recipientText.trim() || account) as Address;
  const recipientError = recipientText.trim() && !isAddress(recipientText.trim()) ? "Not an address." : null;
  const pendingKey = commitKey(board, bountyId, account);
  const [pending, setPending] = useState<PendingCommit | null>(null);
  useEffect(() => setPending(loadCommit(pendingKey)), [pendingKey]);
  const [disputeSubmission, setDisputeSubmission] = useState("");
  const [disputeReason, setDisputeReason] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [ruling, setRuling] = useState<Record<string, { choice: string; score: string; report: string }>>({});

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
      { ...boardRead, functionName: "unlockAt", args: [bountyId] },
    ],
  });
  const bounty = chainState.data?.[0]?.result;
  const token = bounty?.token ?? zeroAddress;
  const tokenState = useReadContracts({
    contracts: [
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
  const [, refundableR, payoutR, revenueR, claimR, finalizableR, sharesR, unlockR] = chainState.data ?? [];
  const [balanceR, allowanceR, domainR, nonceR] = tokenState.data ?? [];
  const decimals = data.token.decimals ?? 18;
  const symbol = data.token.symbol ?? "tokens";
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

  // The board takes money while Funding, and past the goal only when the DAO allowed overfunding.
  const fundingOpen =
    (status === "Funding" || (status === "Funded" && bounty.allowOverfunding)) &&
    now < bounty.fundingDeadline;
  const canFinalize =
    (status === "Funding" && now >= bounty.fundingDeadline) ||
    (status === "Funded" && finalizableAt !== 0n && now >= finalizableAt);
  const deliveryOpen = status === "Funded" && now < bounty.deliveryDeadline;
  const unlockAt = unlockR?.result ?? 0n;
  const canUnlock = status === "Verifying" && unlockAt !== 0n && now >= unlockAt && bounty.openDisputes === 0;
  const ended = status === "Fulfilled" || status === "Failed";
  const bondBack =
    ended && claim !== undefined && BOND_STATE[claim.bondState] === "Posted" && claim.bond > 0n;
  const isArbiter = bounty.arbiter.toLowerCase() === account.toLowerCase();
  const mine = (who: string | null) => who !== null && who.toLowerCase() === account.toLowerCase();
  const myDisputeMoney = data.settledDisputes.filter((d) =>
    d.outcome === "Rejected" ? mine(d.trainer) : mine(d.disputer),
  );
  const canDispute = (status === "Funded" || status === "Verifying") && data.submissions.length > 0;

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
    if (recipientError && args.includes(recipient)) return setFormError(`Recipient: ${recipientError}`);
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
      return "Claimed: you can now commit checkpoints until the delivery deadline.";
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

  /** Reveals a committed checkpoint (a later block than its commit), then forgets its salt. */
  async function reveal(tx: Parameters<Parameters<typeof run>[0]>[0], commit: PendingCommit) {
    await tx.send("Revealing the checkpoint", {
      ...boardRead,
      abi: boardErrorsAbi,
      functionName: "revealCheckpoint",
      args: [bountyId, commit.checkpointHash, commit.uri, commit.salt],
    });
    window.localStorage.removeItem(pendingKey);
    setPending(null);
  }

  async function submitCheckpoint(event: FormEvent) {
    event.preventDefault();
    if (!checkpointHash)
      return setCheckpointError("Choose the ONNX checkpoint file: its sha256 is committed, then revealed.");
    if (!/^(https?|ipfs|ar):\/\/\S+$/.test(checkpointUri.trim())) {
      return setCheckpointError(
        "Give the URL evaluators download the checkpoint from (https://…, ipfs://…).",
      );
    }
    setCheckpointError(null);
    const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
    const commit: PendingCommit = { checkpointHash, uri: checkpointUri.trim(), salt };
    const commitment = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
        [checkpointHash, account, salt],
      ),
    );
    const ok = await run(async (tx) => {
      // Kept before committing: a reveal that fails later can be retried from this browser.
      window.localStorage.setItem(pendingKey, JSON.stringify(commit));
      setPending(commit);
      await tx.send("Committing the checkpoint", {
        ...boardRead,
        abi: boardErrorsAbi,
        functionName: "commitCheckpoint",
        args: [bountyId, commitment],
      });
      await reveal(tx, commit);
      return "Checkpoint committed and revealed: it will be evaluated on the private set.";
    });
    await after(ok);
  }

  async function revealPending() {
    if (!pending) return;
    const ok = await run(async (tx) => {
      await reveal(tx, pending);
      return "Checkpoint revealed: it will be evaluated on the private set.";
    });
    await after(ok);
  }

  async function openDispute(event: FormEvent) {
    event.preventDefault();
    if (!disputeSubmission) return setFormError("Choose the submission whose verdict you dispute.");
    if (!disputeReason.trim()) return setFormError("Say why (for example the output of npm run verify).");
    setFormError(null);
    const bond = bounty?.disputeBond ?? 0n;
    const ok = await run(async (tx) => {
      if (bond > allowance) {
        await tx.send("Approving the dispute bond", {
          address: token,
          abi: erc20Abi,
          functionName: "approve",
          args: [board, bond],
        });
      }
      await tx.send("Disputing", {
        ...boardRead,
        abi: boardErrorsAbi,
        functionName: "dispute",
        args: [BigInt(disputeSubmission), keccak256(stringToHex(disputeReason.trim()))],
      });
      return `Disputed submission #${disputeSubmission}: the arbiter rules on it.`;
    });
    if (ok) setDisputeReason("");
    await after(ok);
  }

  async function resolve(disputeId: string) {
    const r = ruling[disputeId] ?? { choice: "reject", score: "", report: "" };
    if (!r.report.trim()) return setFormError(`Dispute #${disputeId}: give the reasons for the ruling.`);
    let corrected = 0n;
    if (r.choice === "correct") {
      const value = Number(r.score);
      if (r.score.trim() === "" || !Number.isFinite(value)) {
        return setFormError(`Dispute #${disputeId}: give the corrected score.`);
      }
      corrected = toOnchainScore(value);
    }
    setFormError(null);
    const ok = await run(async (tx) => {
      await tx.send("Resolving the dispute", {
        ...boardRead,
        abi: boardErrorsAbi,
        functionName: "resolveDispute",
        args: [
          BigInt(disputeId),
          r.choice !== "reject",
          r.choice === "disqualify",
          corrected,
          keccak256(stringToHex(r.report.trim())),
        ],
      });
      return `Dispute #${disputeId} resolved.`;
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
      {status === "Funded" ? (
        <p className="muted" id="funding-closed">
          {fundingOpen
            ? `The goal is met; its DAO allows funding past it until ${when(bounty.fundingDeadline)}.`
            : "Funding closed at the goal: the bounty is fully funded and takes no more money."}
        </p>
      ) : null}
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
            onClick={simple("Refunding", "refund", [bountyId, recipient], `Refunded ${show(refundable)}.`)}
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
              [bountyId, recipient],
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
              [bountyId, recipient],
              `Claimed ${show(revenue)} of revenue.`,
            )}
          >
            Claim revenue {show(revenue)}
          </button>
        ) : null}
        {canUnlock ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple(
              "Unlocking the payout",
              "unlockPayout",
              [bountyId],
              "Payout unlocked: the bounty is fulfilled.",
            )}
          >
            Unlock payout
          </button>
        ) : null}
        {data.evalSetReveal && status === "Verifying" ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple(
              "Revealing the eval set",
              "revealEvalSet",
              [bountyId, data.evalSetReveal.sha256, data.evalSetReveal.salt, data.evalSetReveal.uri],
              "Eval set revealed: the verification period has started.",
            )}
          >
            Reveal eval set
          </button>
        ) : null}
        {bondBack ? (
          <button
            type="button"
            disabled={busy}
            onClick={simple(
              "Withdrawing the bond",
              "withdrawBond",
              [bountyId, recipient],
              `Withdrew your bond of ${show(claim?.bond ?? 0n)}.`,
            )}
          >
            Withdraw bond {show(claim?.bond ?? 0n)}
          </button>
        ) : null}
        {myDisputeMoney.map((d) => (
          <button
            key={d.disputeId}
            type="button"
            disabled={busy}
            onClick={simple(
              "Withdrawing the dispute bond",
              "withdrawDisputeBond",
              [BigInt(d.disputeId), recipient],
              `Withdrew ${show(BigInt(d.amount))} from dispute #${d.disputeId}.`,
            )}
          >
            Withdraw {show(BigInt(d.amount))} from dispute #{d.disputeId}
          </button>
        ))}
        {data.openDisputes
          .filter((d) => now >= BigInt(d.deadline))
          .map((d) => (
            <button
              key={d.disputeId}
              type="button"
              disabled={busy}
              onClick={simple(
                "Dismissing the dispute",
                "expireDispute",
                [BigInt(d.disputeId)],
                `Dispute #${d.disputeId} dismissed: the verdict stands.`,
              )}
            >
              Dismiss expired dispute #{d.disputeId}
            </button>
          ))}
        {pending && status === "Funded" ? (
          <button type="button" disabled={busy} onClick={revealPending}>
            Reveal committed checkpoint {pending.checkpointHash.slice(2, 10)}…
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
            Commit and reveal checkpoint
          </button>
          {checkpointError ? (
            <span role="alert" className="field-error">
              {checkpointError}
            </span>
          ) : null}
        </form>
      ) : null}
      {refundable > 0n || payout > 0n || revenue > 0n || bondBack || myDisputeMoney.length > 0 ? (
        <div className="field">
          <label htmlFor="recipient">Send withdrawals to</label>
          <input
            id="recipient"
            name="recipient"
            autoComplete="off"
            placeholder={account}
            value={recipientText}
            onChange={(e) => setRecipientText(e.target.value)}
            aria-invalid={recipientError ? true : undefined}
          />
          {recipientError ? <span className="field-error">{recipientError}</span> : null}
        </div>
      ) : null}
      {canDispute ? (
        <form onSubmit={openDispute} className="inline-form" noValidate aria-label="Dispute a verdict">
          <div className="field">
            <label htmlFor="dispute-submission">Dispute the verdict on</label>
            <select
              id="dispute-submission"
              value={disputeSubmission}
              onChange={(e) => setDisputeSubmission(e.target.value)}
            >
              <option value="">choose a submission</option>
              {data.submissions.map((sub) => (
                <option key={sub.submissionId} value={sub.submissionId}>
                  #{sub.submissionId} ({sub.verdict})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="dispute-reason">Why</label>
            <input
              id="dispute-reason"
              value={disputeReason}
              onChange={(e) => setDisputeReason(e.target.value)}
              placeholder="npm run verify says…"
            />
          </div>
          <button type="submit" disabled={busy}>
            Dispute{bounty.disputeBond > 0n ? ` (bond ${show(bounty.disputeBond)})` : ""}
          </button>
        </form>
      ) : null}
      {isArbiter
        ? data.openDisputes
            .filter((d) => now < BigInt(d.deadline))
            .map((d) => {
              const r = ruling[d.disputeId] ?? { choice: "reject", score: "", report: "" };
              const set = (patch: Partial<typeof r>) =>
                setRuling((all) => ({ ...all, [d.disputeId]: { ...r, ...patch } }));
              return (
                <fieldset key={d.disputeId} className="inline-form">
                  <legend>
                    Rule on dispute #{d.disputeId} (submission #{d.submissionId})
                  </legend>
                  <div className="field">
                    <label htmlFor={`ruling-${d.disputeId}`}>Ruling</label>
                    <select
                      id={`ruling-${d.disputeId}`}
                      value={r.choice}
                      onChange={(e) => set({ choice: e.target.value })}
                    >
                      <option value="reject">Reject: the verdict stands</option>
                      <option value="disqualify">Uphold: disqualify the submission</option>
                      <option value="correct">Uphold: correct its score</option>
                    </select>
                  </div>
                  {r.choice === "correct" ? (
                    <div className="field">
                      <label htmlFor={`score-${d.disputeId}`}>Corrected score</label>
                      <input
                        id={`score-${d.disputeId}`}
                        inputMode="decimal"
                        value={r.score}
                        onChange={(e) => set({ score: e.target.value })}
                      />
                    </div>
                  ) : null}
                  <div className="field">
                    <label htmlFor={`report-${d.disputeId}`}>Reasons</label>
                    <input
                      id={`report-${d.disputeId}`}
                      value={r.report}
                      onChange={(e) => set({ report: e.target.value })}
                    />
                  </div>
                  <button type="button" disabled={busy} onClick={() => void resolve(d.disputeId)}>
                    Resolve dispute #{d.disputeId}
                  </button>
                </fieldset>
              );
            })
        : null}
      {formError ? (
        <p role="alert" className="field-error">
          {formError}
        </p>
      ) : null}
      <TxStatus state={state} />
    </div>
  );
}
