/**
 * The built-in CPU reference trainer (ml/train.ts): really trains a tiny model
 * for the bounty's task and exports it to ONNX. Used by the demo and the tests;
 * it needs the spec's training data to be a `builtin:` data set.
 */
import type { BountySpec } from "../../core/spec.js";
import { LeaseFailure } from "../util.js";
import type { Progress, Trainer } from "./types.js";

export type TrainReferenceFn = (
  spec: BountySpec,
  options: { seed?: number; signal?: AbortSignal; onProgress?: (progress: Progress) => void },
) => Promise<Uint8Array>;

export interface ReferenceTrainerOptions {
  /** The training function; default `trainReference` of ml/train.ts (loaded on first use). */
  train?: TrainReferenceFn;
}

export function createReferenceTrainer(options: ReferenceTrainerOptions = {}): Trainer {
  let train = options.train;
  return {
    kind: "reference",
    async train({ spec, seed, signal, onProgress, logger }) {
      // Loaded lazily: agents running a command trainer never load the ML code.
      train ??= (await import("../../ml/train.js")).trainReference;
      logger.info(
        { event: "trainer.start", trainer: "reference", task: spec.task.type, seed },
        "reference trainer started",
      );
      try {
        return await train(spec, { seed, signal, onProgress });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // Unsupported data (e.g. not `builtin:`) or a diverged run: the same on every retry of this trainer,
        // but another pool's trainer may manage, so the job stays retryable.
        throw new LeaseFailure(
          `reference trainer failed: ${error instanceof Error ? error.message : String(error)}`,
          true,
          { cause: error },
        );
      }
    },
  };
}
