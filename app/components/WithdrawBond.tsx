import { useRevalidator } from "@remix-run/react";
import { useState } from "react";
import { useAccount } from "wagmi";
import { usePlatform } from "../hooks/platform.js";
import { useLiveUpdates } from "../hooks/use-live-updates.js";
import { useTransaction } from "../hooks/use-transaction.js";
import { boardErrorsAbi } from "../utils/wallet-errors.js";
import { TxStatus } from "./TxStatus.js";

/**
 * A trainer's "withdraw bond" for one claim, shown to the trainer's own connected wallet only. The
 * contract returns a bond once the bounty ended, when one of the trainer's checkpoints was scored (or
 * left unevaluated) and none was a copy or disqualified by an upheld dispute; the simulation says so
 * when it is not yet the case. Once the bond is withdrawn the page reloads its data every second until the
 * indexer has seen it, and the row, now "Returned", no longer shows this button.
 */
export function WithdrawBond({ trainer, bountyId }: { trainer: string; bountyId: string }) {
  const { address } = useAccount();
  const { contracts } = usePlatform();
  const revalidator = useRevalidator();
  const { state, run, busy } = useTransaction();
  const [withdrawn, setWithdrawn] = useState(false);
  useLiveUpdates(withdrawn, 1_000);
  const board = contracts.board;
  if (!board || !address || address.toLowerCase() !== trainer.toLowerCase()) return null;
  async function withdraw() {
    const ok = await run(async (tx) => {
      await tx.send("Withdrawing the bond", {
        address: board as `0x${string}`,
        abi: boardErrorsAbi,
        functionName: "withdrawBond",
        // To the connected trainer's own address (the bounty page lets one choose another recipient).
        args: [BigInt(bountyId), address as `0x${string}`],
      });
      return "Bond withdrawn.";
    });
    if (ok) {
      setWithdrawn(true);
      revalidator.revalidate();
    }
  }
  return (
    <>
      <button type="button" className="btn-sm" onClick={withdraw} disabled={busy}>
        Withdraw bond
      </button>
      <TxStatus state={state} />
    </>
  );
}
