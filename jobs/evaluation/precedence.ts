/**
 * The copy policy as one pure function, used by the evaluator (evaluator.server.ts) and by anyone
 * re-checking published scores (`npm run verify`), so both reach the same verdict from the same
 * reports. ADR 014 states the policy: the earlier submission has precedence; a later one whose
 * fingerprint matches an earlier scored one is a copy (`copy_of #n`) unless it beats that earlier
 * score by the bounty's minimum improvement.
 */
import { type BountySpec, beatsByMargin, minImprovementOver } from "../../core/spec.js";
import { copyThreshold, fingerprintDistance } from "./fingerprint.js";

/** An earlier scored submission of the same bounty, in precedence order. */
export interface EarlierScore {
  submissionId: string;
  fingerprint: readonly number[];
  score: number;
}

export interface CopyFinding {
  submissionId: string;
  distance: number;
  threshold: number;
  score: number;
}

/** The earliest of `earlier` (in precedence order) that `candidate` copies, or undefined. */
export function findCopyOf(
  candidate: { fingerprint: readonly number[]; score: number },
  earlier: readonly EarlierScore[],
  metric: BountySpec["metric"],
): CopyFinding | undefined {
  for (const original of earlier) {
    const distance = fingerprintDistance(candidate.fingerprint, original.fingerprint);
    const threshold = copyThreshold(original.fingerprint);
    if (distance === undefined || threshold === undefined || distance > threshold) continue;
    // A match that beats the earlier score by the margin counts as its own model.
    if (!beatsByMargin(metric, candidate.score, original.score)) {
      return { submissionId: original.submissionId, distance, threshold, score: original.score };
    }
  }
  return undefined;
}

/** The report's reason for a copy: `copy_of #n: ...`. */
export function copyReason(found: CopyFinding, score: number, metric: BountySpec["metric"]): string {
  const n = found.submissionId;
  return (
    `copy_of #${n}: its outputs on the probe rows match those of earlier submission ${n} ` +
    `(distance ${found.distance.toPrecision(3)} ≤ ${found.threshold} once temperature, ` +
    `smoothing, per-class offsets, shifts and scaling are fitted) and its ${metric.name} ${score} does not beat ` +
    `${found.score} by the minimum improvement ${minImprovementOver(metric, found.score).toPrecision(3)}`
  );
}
