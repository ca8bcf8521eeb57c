/**
 * A DAO's revenue deposit into one of its Fulfilled bounties: an amount in whole tokens, then `approve`
 * (when the board may not yet spend that much of the DAO's tokens) and `depositRevenue(bountyId, amount)`.
 * The board shares it pro rata among the bounty's shareholders, who claim it from their own desks. Shown to
 * the DAO's connected wallet on its desk (AccountActions); the balance is checked before anything is signed.
 */
import { type FormEvent, useState } from "react";
import { type Address, erc20Abi } from "viem";
import { useReadContracts } from "wagmi";
import { formatAmount, parseAmount } from "../../core/format.js";
import { boardErrorsAbi } from "../utils/wallet-errors.js";
import { useAccountActions } from "./AccountActions.js";

export function DepositRevenue({
  bountyId,
  token,
  decimals,
  symbol,
}: {
  bountyId: string;
  token: string;
  decimals: number | null;
  symbol: string | null;
}) {
  const { owner, account, board, busy, run } = useAccountActions();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const tokenAddress = token as Address;
  const reads = useReadContracts({
    contracts: [
      { address: tokenAddress, abi: erc20Abi, functionName: "balanceOf", args: [account as Address] },
      {
        address: tokenAddress,
        abi: erc20Abi,
        functionName: "allowance",
        args: [account as Address, board as Address],
      },
    ],
    query: { enabled: owner && account !== undefined && board !== null },
  });
  if (!owner || !account || !board || decimals === null) return null;
  const id = `revenue-${bountyId}`;
  const show = (value: bigint) => formatAmount(value.toString(), decimals, symbol ?? "tokens");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!board || decimals === null) return;
    const amount = parseAmount(text, decimals);
    if (typeof amount === "string") return setError(amount);
    const [balanceR, allowanceR] = (await reads.refetch()).data ?? [];
    const balance = balanceR?.result;
    if (balance !== undefined && amount > balance) {
      return setError(`Your balance is ${show(balance)}; this needs ${show(amount)}.`);
    }
    setError(null);
    const ok = await run(`revenue-${bountyId}`, async (tx) => {
      if ((allowanceR?.result ?? 0n) < amount) {
        await tx.send("Approving the revenue", {
          address: tokenAddress,
          abi: erc20Abi,
          functionName: "approve",
          args: [board, amount],
        });
      }
      await tx.send("Depositing revenue", {
        address: board,
        abi: boardErrorsAbi,
        functionName: "depositRevenue",
        args: [BigInt(bountyId), amount],
      });
      return `Deposited ${show(amount)} of revenue into bounty #${bountyId}: its shareholders can claim it.`;
    });
    if (ok) {
      setText("");
      void reads.refetch();
    }
  }

  return (
    <form
      onSubmit={submit}
      className="inline-form"
      noValidate
      aria-label={`Deposit revenue into bounty #${bountyId}`}
    >
      <div className="field">
        <label htmlFor={id}>Revenue ({symbol ?? "tokens"})</label>
        <input
          id={id}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {error ? (
          <span id={`${id}-error`} className="field-error">
            {error}
          </span>
        ) : null}
      </div>
      <button type="submit" disabled={busy}>
        Deposit revenue
      </button>
    </form>
  );
}
