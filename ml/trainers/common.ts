/**
 * What the reference trainers share: their options, the epoch loop (progress,
 * abort, yielding to the event loop) and the Adam optimizer.
 */

export interface TrainProgress {
  /** 0..100: the share of the planned epochs done. */
  percent: number;
  /** Optimizer steps taken so far. */
  step: number;
  /** The mean training loss over the last epoch. */
  loss: number;
}

export interface TrainerOptions {
  /** Seeds the initial weights and the batch order; same seed, same model bytes. */
  seed: number;
  /** Passes over the train split; each trainer has its own default. */
  epochs?: number;
  /** Aborting rejects the training with the signal's reason at the next yield (every ~10 ms). */
  signal?: AbortSignal;
  /** Called after each epoch. */
  onProgress?: (progress: TrainProgress) => void;
}

/** A trained reference model. */
export interface TrainedModel {
  /**
   * The model's output, computed in JavaScript from the same float32 weights the
   * ONNX export holds: input laid out as the spec's input tensor with `dims`
   * ([batch, features] float32, or [batch, sequence] int64), output as the spec's
   * output tensor, row-major.
   */
  forward(input: Float32Array | BigInt64Array, dims: readonly number[]): Float32Array;
  /** The ONNX model (bytes), with the spec's input and output names, dtypes and shapes. */
  toOnnx(): Uint8Array;
  /** The mean training loss of each epoch. */
  losses: number[];
}

/** Resolves on the next turn of the event loop, after pending I/O. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const YIELD_EVERY_MS = 10;

/**
 * Runs `epochs` passes of `batches` steps each. `step(epoch, batch)` trains on
 * one mini-batch and returns its summed loss and example count. Between steps
 * it yields to the event loop at least every 10 ms and at the end of every
 * epoch (so a caller can heartbeat), and throws the abort reason once
 * `signal` is aborted. Returns the mean loss of each epoch.
 */
export async function runEpochs(options: {
  epochs: number;
  batches: number;
  step: (epoch: number, batch: number) => { loss: number; count: number };
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
}): Promise<number[]> {
  const { epochs, batches, step, signal, onProgress } = options;
  signal?.throwIfAborted();
  const losses: number[] = [];
  let steps = 0;
  let lastYield = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    let loss = 0;
    let count = 0;
    for (let batch = 0; batch < batches; batch++) {
      const result = step(epoch, batch);
      loss += result.loss;
      count += result.count;
      steps++;
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        signal?.throwIfAborted();
        lastYield = performance.now();
      }
    }
    const mean = count > 0 ? loss / count : 0;
    if (!Number.isFinite(mean))
      throw new Error(`training diverged: the loss of epoch ${epoch + 1} is ${mean}`);
    losses.push(mean);
    onProgress?.({ percent: (100 * (epoch + 1)) / epochs, step: steps, loss: mean });
    await yieldToEventLoop();
    signal?.throwIfAborted();
    lastYield = performance.now();
  }
  return losses;
}

/** Adam over flat Float64Array parameters, updated in place. */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly params: Float64Array[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  /** One update from gradients shaped like the parameters. */
  step(grads: Float64Array[]): void {
    this.t++;
    const { beta1, beta2, eps } = this;
    const lr = (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    this.params.forEach((p, k) => {
      const g = grads[k] as Float64Array;
      const m = this.m[k] as Float64Array;
      const v = this.v[k] as Float64Array;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = (p[i] as number) - (lr * mi) / (Math.sqrt(vi) + eps);
      }
    });
  }
}

/** Checks an input laid out as [batch, width] and returns the batch size. */
export function batchOf(
  input: ArrayLike<unknown>,
  dims: readonly number[],
  width: number,
  what: string,
): number {
  const [batch, cols] = dims;
  if (dims.length !== 2 || batch === undefined || cols !== width || input.length !== batch * width) {
    throw new Error(
      `${what} takes input [batch, ${width}], got dims [${dims.join(", ")}] for ${input.length} values`,
    );
  }
  return batch;
}
