import { useRevalidator } from "@remix-run/react";
import { useAccount } from "wagmi";
import { usePlatform } from "~/lib/platform";
import { useTransaction } from "~/lib/use-transaction";
import { boardErrorsAbi } from "~/lib/wallet-errors";
import { TxStatus } from "./TxStatus";

/**
 * A trainer's "withdraw bond" for one claim, shown to the trainer's own connected wallet only. The
 * contract returns a bond once one of the trainer's checkpoints was scored; the simulation says so when
 * it is not yet the case.
 */
export function WithdrawBond({ trainer, bountyId }: { trainer: string; bountyId: string }) {
  const { address } = useAccount();
  const { contracts } = usePlatform();
  const revalidator = useRevalidator();
  const { state, run, busy } = useTransaction();
  const board = contracts.board;
  if (!board || !address || address.toLowerCase() !== trainer.toLowerCase()) return null;
  async function withdraw() {
    const ok = await run(async (tx) => {
      await tx.send("Withdrawing the bond", {
        address: board as `0x${string}`,
        abi: boardErrorsAbi,
        functionName: "withdrawBond",
        args: [BigInt(bountyId)],
      });
      return "Bond withdrawn.";
    });
    if (ok) revalidator.revalidate();
  }
  return (
    <>
      <button type="button" onClick={withdraw} disabled={busy}>
        Withdraw bond
      </button>
      <TxStatus state={state} />
    </>
  );
}
