/**
 * `evaluate-submission`: the indexer saw CheckpointRevealed; score the
 * checkpoint and publish the verdict (jobs/evaluation/evaluator.ts). The
 * evaluator re-reads the chain (a commit not revealed, or a duplicate the
 * board disqualified itself, is skipped; so is one past its evaluation period)
 * and resumes from what it recorded, so running this job twice publishes once.
 */
import { UnrecoverableError } from "bullmq";
import { evaluateSubmissionPayload } from "../queues.js";
import type { EvaluationResult, Evaluator } from "./evaluator.js";

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
