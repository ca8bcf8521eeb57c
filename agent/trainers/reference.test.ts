import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { LeaseView } from "../../core/pool-api.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { LeaseFailure } from "../util.js";
import { createReferenceTrainer } from "./reference.js";
import type { Progress, TrainContext } from "./types.js";

const logger = pino({ level: "silent" });

function context(signal = new AbortController().signal) {
  const progress: Progress[] = [];
  const ctx: TrainContext = {
    lease: { leaseId: "l1", bounty: { bountyId: "1" } } as LeaseView,
    spec: blobsClassifierSpec,
    workDir: "/nonexistent",
    signal,
    onProgress: (p) => progress.push(p),
    logger,
    seed: 3,
  };
  return { ctx, progress };
}

describe("reference trainer", () => {
  it("trains the built-in CPU model for the spec and returns ONNX bytes, with progress", async () => {
    const { ctx, progress } = context();
    const bytes = await createReferenceTrainer().train(ctx);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBeGreaterThan(100);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.percent).toBe(100);
    // Same seed, same bytes: a retried lease resubmits the same checkpoint hash.
    expect(await createReferenceTrainer().train(context().ctx)).toEqual(bytes);
  });

  it("passes the spec, seed, signal and progress callback through", async () => {
    const seen: unknown[] = [];
    const trainer = createReferenceTrainer({
      train: async (spec, options) => {
        seen.push(spec, options.seed, options.signal);
        options.onProgress?.({ percent: 50, step: 1, loss: 0.5 });
        return new Uint8Array([1]);
      },
    });
    const { ctx, progress } = context();
    expect(await trainer.train(ctx)).toEqual(new Uint8Array([1]));
    expect(seen).toEqual([blobsClassifierSpec, 3, ctx.signal]);
    expect(progress).toEqual([{ percent: 50, step: 1, loss: 0.5 }]);
  });

  it("turns a training error into a retryable failure, and rejects with the abort reason when aborted", async () => {
    const failing = createReferenceTrainer({
      train: async () => {
        throw new Error('training data "https://x" is not builtin:');
      },
    });
    const error = await failing.train(context().ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseFailure);
    expect((error as LeaseFailure).retryable).toBe(true);
    expect((error as Error).message).toMatch(/reference trainer failed: training data/);

    const controller = new AbortController();
    const reason = new Error("lease lost");
    controller.abort(reason);
    await expect(createReferenceTrainer().train(context(controller.signal).ctx)).rejects.toBe(reason);
  });
});
