/**
 * A tiny character-level neural language model (Bengio-style, fixed window):
 * the logits for the token after position t are
 *
 *   h = relu(c + E_0[x_t] + E_1[x_{t-1}] + ... + E_{K-1}[x_{t-K+1}])
 *   logits = h W + b
 *
 * with one embedding table E_j [vocab, hidden] per context offset, positions
 * before the start reading the padding token. Trained by mini-batch Adam on the
 * mean next-token cross-entropy over non-padding targets. It is causal by
 * construction: position t sees tokens t-K+1..t only.
 *
 * ONNX: input int64 [batch, sequence]; Pad (K-1 padding tokens on the left) and
 * Slice give the shifted contexts, Gather embeds them, Add, Relu, MatMul, Add
 * give logits float32 [batch, sequence, vocab]. Standard opset-17 ops only.
 */
import { type BountySpec, specHash } from "../../core/spec.js";
import type { CausalLmSplit } from "../data.js";
import { buildModel, encodeModel, node, tensor, valueInfo } from "../onnx.js";
import { createRng } from "../random.js";
import { Adam, runEpochs, type TrainedModel, type TrainerOptions } from "./common.js";

export const CAUSAL_LM_DEFAULTS = {
  epochs: 8,
  /** Tokens seen per position (the current one included). */
  context: 3,
  hidden: 32,
  /** Sequences per mini-batch. */
  batchSize: 4,
  learningRate: 0.01,
};

export interface WindowLm {
  vocabSize: number;
  padTokenId: number;
  context: number;
  hidden: number;
  /** [context, vocab, hidden]: the embedding table of each context offset. */
  embeddings: Float32Array;
  /** [hidden]. */
  hiddenBias: Float32Array;
  /** [hidden, vocab]. */
  outWeights: Float32Array;
  /** [vocab]. */
  outBias: Float32Array;
}

export interface CausalLmModel extends TrainedModel {
  model: WindowLm;
}

/** Logits [batch, sequence, vocab] of the model for token ids [batch, sequence]. */
export function windowLmForward(model: WindowLm, ids: BigInt64Array, dims: readonly number[]): Float32Array {
  const {
    vocabSize: V,
    hidden: H,
    context: K,
    padTokenId,
    embeddings: E,
    hiddenBias,
    outWeights: W,
    outBias,
  } = model;
  const [batch, length] = dims;
  if (dims.length !== 2 || batch === undefined || length === undefined || ids.length !== batch * length) {
    throw new Error(`the language model takes input [batch, sequence], got dims [${dims.join(", ")}]`);
  }
  const out = new Float32Array(batch * length * V);
  const a = new Float64Array(H);
  for (let s = 0; s < batch; s++) {
    for (let t = 0; t < length; t++) {
      for (let h = 0; h < H; h++) a[h] = hiddenBias[h] as number;
      for (let j = 0; j < K; j++) {
        const id = t - j >= 0 ? Number(ids[s * length + t - j]) : padTokenId;
        if (!(id >= 0 && id < V)) throw new Error(`token id ${id} is outside the vocabulary [0, ${V})`);
        const row = (j * V + id) * H;
        for (let h = 0; h < H; h++) a[h] = (a[h] as number) + (E[row + h] as number);
      }
      const base = (s * length + t) * V;
      for (let v = 0; v < V; v++) out[base + v] = outBias[v] as number;
      for (let h = 0; h < H; h++) {
        const x = a[h] as number;
        if (x <= 0) continue;
        for (let v = 0; v < V; v++) out[base + v] = (out[base + v] as number) + x * (W[h * V + v] as number);
      }
    }
  }
  return out;
}

/** The ONNX model of a window LM, with the spec's input and output names and shapes. */
export function windowLmToOnnx(
  model: WindowLm,
  spec: BountySpec,
  metadata: Record<string, string>,
): Uint8Array {
  const input = spec.interface.inputs[0];
  const output = spec.interface.outputs[0];
  if (!input || !output) throw new Error("the spec's interface needs one input and one output");
  const { vocabSize: V, hidden: H, context: K } = model;
  const initializers = [
    tensor("hidden_bias", [H], model.hiddenBias),
    tensor("out_weight", [H, V], model.outWeights),
    tensor("out_bias", [V], model.outBias),
  ];
  const nodes = [];
  for (let j = 0; j < K; j++) {
    initializers.push(
      tensor(`embedding_${j}`, [V, H], model.embeddings.subarray(j * V * H, (j + 1) * V * H)),
    );
  }
  if (K > 1) {
    initializers.push(
      tensor("left_pads", [4], BigInt64Array.from([0n, BigInt(K - 1), 0n, 0n])),
      tensor("pad_token", [], BigInt64Array.from([BigInt(model.padTokenId)])),
      tensor("axis_sequence", [1], BigInt64Array.from([1n])),
    );
    nodes.push(
      node("Pad", [input.name, "left_pads", "pad_token"], ["padded_ids"], { mode: { string: "constant" } }),
    );
  }
  for (let j = 0; j < K; j++) {
    let ids = input.name;
    if (j > 0) {
      // padded has K-1 pads in front: x_{t-j} for t = 0..S-1 is padded[K-1-j .. K-1-j+S).
      initializers.push(
        tensor(`shift_${j}_start`, [1], BigInt64Array.from([BigInt(K - 1 - j)])),
        tensor(`shift_${j}_end`, [1], BigInt64Array.from([BigInt(-j)])),
      );
      ids = `ids_shift_${j}`;
      nodes.push(node("Slice", ["padded_ids", `shift_${j}_start`, `shift_${j}_end`, "axis_sequence"], [ids]));
    }
    nodes.push(node("Gather", [`embedding_${j}`, ids], [`embedded_${j}`], { axis: { int: 0 } }));
  }
  let sum = "hidden_bias";
  for (let j = 0; j < K; j++) {
    const next = `pre_activation_${j}`;
    nodes.push(node("Add", [sum, `embedded_${j}`], [next]));
    sum = next;
  }
  nodes.push(
    node("Relu", [sum], ["hidden"]),
    node("MatMul", ["hidden", "out_weight"], ["projected"]),
    node("Add", ["projected", "out_bias"], [output.name]),
  );
  return encodeModel(
    buildModel({
      graphName: "crowdtrain_causal_lm",
      inputs: [valueInfo(input.name, "int64", input.shape)],
      outputs: [valueInfo(output.name, "float32", output.shape)],
      initializers,
      nodes,
      metadata: { ...metadata, "crowdtrain.spec_hash": specHash(spec) },
    }),
  );
}

/** Trains a window LM on the train sequences for `spec` (a causal-lm spec). The loss is in nats per token. */
export async function trainCausalLm(
  spec: BountySpec,
  train: CausalLmSplit,
  options: TrainerOptions,
): Promise<CausalLmModel> {
  const { vocabSize: V, padTokenId: pad, sequenceLength: S } = train;
  const { context: K, hidden: H, batchSize, learningRate } = CAUSAL_LM_DEFAULTS;
  const sequences: Int32Array[] = [];
  for (let i = 0; i < train.count; i++) {
    const length = train.lengths[i] as number;
    if (length >= 2) sequences.push(Int32Array.from(train.tokens.subarray(i * S, i * S + length), Number));
  }
  if (sequences.length === 0) throw new Error("the train split has no sequence of two tokens or more");
  const rng = createRng(options.seed);

  const E = Float64Array.from({ length: K * V * H }, () => rng.normal() * 0.3);
  const c = new Float64Array(H);
  const W = Float64Array.from({ length: H * V }, () => rng.normal() / Math.sqrt(H));
  // Output bias starts at the log unigram frequencies (add-one smoothed) of the targets.
  const b = new Float64Array(V).fill(1);
  let targets = V;
  for (const seq of sequences) {
    for (let t = 1; t < seq.length; t++) b[seq[t] as number] = (b[seq[t] as number] as number) + 1;
    targets += seq.length - 1;
  }
  for (let v = 0; v < V; v++) b[v] = Math.log((b[v] as number) / targets);

  const gE = new Float64Array(E.length);
  const gc = new Float64Array(H);
  const gW = new Float64Array(W.length);
  const gb = new Float64Array(V);
  const optimizer = new Adam([E, c, W, b], learningRate);
  const a = new Float64Array(H);
  const z = new Float64Array(V);
  const gh = new Float64Array(H);
  const rows = new Int32Array(K);
  const order = Array.from({ length: sequences.length }, (_, i) => i);
  const batches = Math.ceil(sequences.length / batchSize);

  const step = (_epoch: number, batch: number) => {
    if (batch === 0) rng.shuffle(order);
    const picked = order
      .slice(batch * batchSize, (batch + 1) * batchSize)
      .map((i) => sequences[i] as Int32Array);
    const positions = picked.reduce((n, seq) => n + seq.length - 1, 0);
    gE.fill(0);
    gc.fill(0);
    gW.fill(0);
    gb.fill(0);
    let loss = 0;
    for (const seq of picked) {
      for (let t = 0; t + 1 < seq.length; t++) {
        // Forward: a = c + sum_j E_j[x_{t-j}], hidden = relu(a), z = hidden W + b.
        for (let h = 0; h < H; h++) a[h] = c[h] as number;
        for (let j = 0; j < K; j++) {
          const row = (j * V + (t - j >= 0 ? (seq[t - j] as number) : pad)) * H;
          rows[j] = row;
          for (let h = 0; h < H; h++) a[h] = (a[h] as number) + (E[row + h] as number);
        }
        for (let v = 0; v < V; v++) z[v] = b[v] as number;
        for (let h = 0; h < H; h++) {
          const x = a[h] as number;
          if (x <= 0) continue;
          const wRow = h * V;
          for (let v = 0; v < V; v++) z[v] = (z[v] as number) + x * (W[wRow + v] as number);
        }
        let max = Number.NEGATIVE_INFINITY;
        for (let v = 0; v < V; v++) if ((z[v] as number) > max) max = z[v] as number;
        let sum = 0;
        for (let v = 0; v < V; v++) {
          const e = Math.exp((z[v] as number) - max);
          z[v] = e;
          sum += e;
        }
        const target = seq[t + 1] as number;
        loss += -Math.log((z[target] as number) / sum);
        // Backward: dz = (softmax - onehot) / positions; z now holds exp(z - max).
        for (let v = 0; v < V; v++) z[v] = ((z[v] as number) / sum - (v === target ? 1 : 0)) / positions;
        for (let v = 0; v < V; v++) gb[v] = (gb[v] as number) + (z[v] as number);
        for (let h = 0; h < H; h++) {
          const x = a[h] as number;
          if (x <= 0) {
            gh[h] = 0;
            continue;
          }
          const wRow = h * V;
          let dh = 0;
          for (let v = 0; v < V; v++) {
            const dz = z[v] as number;
            gW[wRow + v] = (gW[wRow + v] as number) + x * dz;
            dh += (W[wRow + v] as number) * dz;
          }
          gh[h] = dh;
        }
        for (let h = 0; h < H; h++) gc[h] = (gc[h] as number) + (gh[h] as number);
        for (let j = 0; j < K; j++) {
          const row = rows[j] as number;
          for (let h = 0; h < H; h++) gE[row + h] = (gE[row + h] as number) + (gh[h] as number);
        }
      }
    }
    optimizer.step([gE, gc, gW, gb]);
    return { loss, count: positions };
  };

  const losses = await runEpochs({
    epochs: options.epochs ?? CAUSAL_LM_DEFAULTS.epochs,
    batches,
    step,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const model: WindowLm = {
    vocabSize: V,
    padTokenId: pad,
    context: K,
    hidden: H,
    embeddings: Float32Array.from(E),
    hiddenBias: Float32Array.from(c),
    outWeights: Float32Array.from(W),
    outBias: Float32Array.from(b),
  };
  return {
    model,
    losses,
    forward: (input, dims) => {
      if (!(input instanceof BigInt64Array)) throw new Error("the language model takes int64 token ids");
      return windowLmForward(model, input, dims);
    },
    toOnnx: () =>
      windowLmToOnnx(model, spec, {
        "crowdtrain.trainer": "causal-lm/window-lm",
        "crowdtrain.seed": String(options.seed),
        "crowdtrain.context": String(K),
      }),
  };
}
