/**
 * The exact command that re-checks a bounty's published scores from a fresh clone (scripts/verify.ts):
 * anyone can run it once the eval set is revealed, against this deployment.
 */
import { usePlatform } from "../hooks/platform.js";

export function VerifyCommand({
  bountyId,
  rpcUrl,
  platformUrl,
  revealed,
}: {
  bountyId: string;
  rpcUrl: string;
  platformUrl: string;
  revealed: boolean;
}) {
  const { contracts } = usePlatform();
  const board = contracts.board ? ` --board ${contracts.board}` : "";
  const command = `npm run verify -- --bounty ${bountyId} --rpc-url ${rpcUrl}${board} --platform ${platformUrl}`;
  return (
    <section aria-labelledby="verify-heading">
      <h2 id="verify-heading">Check the scores yourself</h2>
      <p>
        Every score is reproducible: from a clone of Crowdtrain, this command reads the chain, fetches the
        spec, the revealed eval set and each checkpoint, re-runs the same sealed evaluator, and prints, per
        submission, <code>match</code> or the field that differs.
        {revealed
          ? " The eval set is revealed."
          : " The eval set is revealed once the bounty is finalized; until then the command says it cannot check yet."}
      </p>
      <pre>
        <code>{command}</code>
      </pre>
    </section>
  );
}
