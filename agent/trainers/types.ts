/**
 * The pluggable trainer of the pool agent: given a validated spec and a work
 * directory, produce ONNX bytes, reporting progress and stopping on abort.
 */
import type { Logger } from "pino";
import type { LeaseView } from "../../core/pool-api.js";
import type { BountySpec } from "../../core/spec.js";

/** Training progress as the heartbeat carries it. */
export interface Progress {
  /** 0..100. */
  percent: number;
  /** Optimizer steps so far (a whole number). */
  step?: number;
  /** The latest training loss. */
  loss?: number;
}

export interface TrainContext {
  lease: LeaseView;
  /** The lease's spec, validated with `bountySpecSchema`. */
  spec: BountySpec;
  /** A directory of this lease's own, created and empty. */
  workDir: string;
  /** Aborted when the lease is lost, training runs over its time, or the agent shuts down. */
  signal: AbortSignal;
  onProgress: (progress: Progress) => void;
  logger: Logger;
  /** The agent's `--seed`, if any. */
  seed?: number;
}

export interface Trainer {
  /** "reference" or "command". */
  readonly kind: string;
  /**
   * Resolves with the ONNX bytes. Throws a `LeaseFailure` (agent/util.ts) to
   * say whether a retry may succeed; any other error counts as retryable. Once
   * `signal` aborts it stops the training and rejects.
   */
  train(context: TrainContext): Promise<Uint8Array>;
}
