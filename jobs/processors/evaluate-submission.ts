/**
 * `evaluate-submission`: the indexer saw CheckpointRevealed; score the
 * checkpoint and publish the verdict (jobs/evaluate/evaluator.server.ts). The
 * evaluator re-reads the chain (a commit not revealed, or a duplicate the
 * board disqualified itself, is skipped; so is one past its evaluation period)
 * and resumes from what it recorded, so running this job twice publishes once.
 */
import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import type { EvaluationResult, Evaluator } from "../evaluate/evaluator.server.js";

export const evaluateSubmissionPayload = z.object({
  chainId: z.number().int().positive(),
  bountyId: z.string().regex(/^\d+$/, "must be a decimal bounty id"),
  submissionId: z.string().regex(/^[1-9]\d*$/, "must be a positive decimal submission id"),
  checkpointHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex hash"),
  uri: z.string().max(2_048),
});

export async function evaluateSubmission(data: unknown, evaluator: Evaluator): Promise<EvaluationResult> {
  const parsed = evaluateSubmissionPayload.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `invalid evaluate-submission payload: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const { chainId, submissionId, uri } = parsed.data;
  return evaluator.evaluate({ chainId, submissionId, uri });
}
