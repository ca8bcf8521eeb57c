/**
 * Sending some of a bounty's backer shares to another account: the board's ERC-6909
 * `transfer(receiver, id, amount)`, from the connected owner of a position only. The recipient and amount
 * are checked here first, each with its message beside its field; the call itself is simulated before
 * signing and its revert, if any, said in words (AccountActions). Revenue already earned stays with the
 * sender: the board settles both sides before shares move.
 */
import { type FormEvent, useState } from "react";
import { type Address, isAddress, zeroAddress } from "viem";
import { formatAmount, parseAmount, shortHex } from "../../core/format.js";
import { boardErrorsAbi } from "../utils/wallet-errors.js";
import { useAccountActions } from "./AccountActions.js";

/** Shares in words: "12.5 shares" (the bounty token's decimals), or base units until they are known. */
export function formatShares(amount: string, decimals: number | null): string {
  return decimals === null ? `${amount} base units of shares` : formatAmount(amount, decimals, "shares");
}

/** The recipient typed, checked: the address, or what is wrong with it. */
export function checkRecipient(text: string, sender: string): { address: Address } | { error: string } {
  const value = text.trim();
  if (!value) return { error: "Give the recipient's address." };
  if (!isAddress(value, { strict: false })) {
    return { error: "That is not an address: 0x followed by 40 hexadecimal characters." };
  }
  if (!isAddress(value)) return { error: "That address's capitals do not match its checksum: check it." };
  if (value.toLowerCase() === zeroAddress) return { error: "Shares cannot be sent to the zero address." };
  if (value.toLowerCase() === sender.toLowerCase()) {
    return { error: "That is this account: give another recipient." };
  }
  return { address: value as Address };
}

export function TransferShares({
  bountyId,
  shares,
  decimals,
}: {
  bountyId: string;
  /** The shares held, base units (from the index; the simulation checks the chain's balance). */
  shares: string;
  decimals: number | null;
}) {
  const { owner, account, board, busy, run } = useAccountActions();
  const [to, setTo] = useState("");
  const [amount, setAmount] = useState("");
  const [toError, setToError] = useState<string | null>(null);
  const [amountError, setAmountError] = useState<string | null>(null);
  if (!owner || !account || !board || shares === "0" || decimals === null) return null;
  const id = `transfer-${bountyId}`;
  const held = BigInt(shares);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!account || !board) return;
    const recipient = checkRecipient(to, account);
    const value = parseAmount(amount, decimals ?? 0);
    const recipientError = "error" in recipient ? recipient.error : null;
    let valueError = typeof value === "string" ? value : null;
    if (typeof value === "bigint" && value > held) {
      valueError = `You hold ${formatShares(shares, decimals)}; you cannot send ${formatShares(value.toString(), decimals)}.`;
    }
    setToError(recipientError);
    setAmountError(valueError);
    if (recipientError || valueError || typeof value === "string" || "error" in recipient) return;
    const ok = await run(`transfer-${bountyId}`, async (tx) => {
      await tx.send("Transferring shares", {
        address: board,
        abi: boardErrorsAbi,
        functionName: "transfer",
        args: [recipient.address, BigInt(bountyId), value],
      });
      return `Sent ${formatShares(value.toString(), decimals)} of bounty #${bountyId} to ${shortHex(recipient.address)}.`;
    });
    if (ok) {
      setTo("");
      setAmount("");
    }
  }

  return (
    <details>
      <summary>Transfer shares</summary>
      <form
        onSubmit={submit}
        className="inline-form"
        noValidate
        aria-label={`Transfer shares of bounty #${bountyId}`}
      >
        <div className="field">
          <label htmlFor={`${id}-to`}>Recipient</label>
          <input
            id={`${id}-to`}
            name="to"
            autoComplete="off"
            spellCheck={false}
            placeholder="0x…"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            aria-invalid={toError ? true : undefined}
            aria-describedby={toError ? `${id}-to-error` : undefined}
          />
          {toError ? (
            <span id={`${id}-to-error`} className="field-error">
              {toError}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-amount`}>Shares to send</label>
          <input
            id={`${id}-amount`}
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={amountError ? true : undefined}
            aria-describedby={amountError ? `${id}-amount-error` : undefined}
          />
          {amountError ? (
            <span id={`${id}-amount-error`} className="field-error">
              {amountError}
            </span>
          ) : null}
        </div>
        <button type="submit" disabled={busy}>
          Send shares
        </button>
      </form>
    </details>
  );
}
