import { describe, expect, it } from "vitest";
import {
  buildModel,
  decodeModel,
  encodeModel,
  IR_VERSION,
  node,
  OPSET_VERSION,
  onnx,
  tensor,
  valueInfo,
} from "./onnx.js";
import { InferenceSession, Tensor } from "./ort.js";

describe("onnx helpers", () => {
  it("build a model that onnxruntime runs, with symbolic dims", async () => {
    // y = x W + b, then Softmax over the classes.
    const model = buildModel({
      graphName: "tiny",
      inputs: [valueInfo("x", "float32", ["batch", 2])],
      outputs: [valueInfo("probs", "float32", ["batch", 3])],
      initializers: [
        tensor("W", [2, 3], Float32Array.from([1, 0, -1, 0, 1, 2])),
        tensor("b", [3], Float32Array.from([0.5, 0, -0.5])),
      ],
      nodes: [
        node("Gemm", ["x", "W", "b"], ["logits"]),
        node("Softmax", ["logits"], ["probs"], { axis: { int: -1 } }),
      ],
      metadata: { z: "last", a: "first" },
    });
    const bytes = encodeModel(model);
    const session = await InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(["x"]);
      expect(session.inputMetadata[0]).toMatchObject({
        name: "x",
        isTensor: true,
        type: "float32",
        shape: ["batch", 2],
      });
      expect(session.outputMetadata[0]).toMatchObject({
        name: "probs",
        type: "float32",
        shape: ["batch", 3],
      });
      const x = new Tensor("float32", Float32Array.from([1, 2, -1, 0, 0, 0]), [3, 2]);
      const probs = (await session.run({ x })).probs?.data as Float32Array;
      const expected = [
        [1.5, 2, 2.5],
        [-0.5, 0, 0.5],
        [0.5, 0, -0.5],
      ].flatMap((row) => {
        const exps = row.map(Math.exp);
        const sum = exps.reduce((a, b) => a + b, 0);
        return exps.map((e) => e / sum);
      });
      expect(probs).toHaveLength(9);
      probs.forEach((p, i) => {
        expect(p).toBeCloseTo(expected[i] as number, 6);
      });
    } finally {
      await session.release();
    }
  });

  it("write int64 initializers and attributes that onnxruntime reads (Gather, Pad, Slice)", async () => {
    // Shift ids right by one along the sequence, filling with 9, then embed with a [10, 1] table.
    const model = buildModel({
      graphName: "shift",
      inputs: [valueInfo("ids", "int64", ["batch", "sequence"])],
      outputs: [valueInfo("out", "float32", ["batch", "sequence", 1])],
      initializers: [
        tensor(
          "table",
          [10, 1],
          Float32Array.from({ length: 10 }, (_, i) => i * 10),
        ),
        tensor("pads", [4], BigInt64Array.from([0n, 1n, 0n, 0n])),
        tensor("fill", [], BigInt64Array.from([9n])),
        tensor("starts", [1], BigInt64Array.from([0n])),
        tensor("ends", [1], BigInt64Array.from([-1n])),
        tensor("axes", [1], BigInt64Array.from([1n])),
      ],
      nodes: [
        node("Pad", ["ids", "pads", "fill"], ["padded"], { mode: { string: "constant" } }),
        node("Slice", ["padded", "starts", "ends", "axes"], ["shifted"]),
        node("Gather", ["table", "shifted"], ["out"], { axis: { int: 0 } }),
      ],
    });
    const session = await InferenceSession.create(encodeModel(model));
    try {
      const ids = new Tensor("int64", BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]), [2, 3]);
      const result = (await session.run({ ids })).out;
      expect(result?.dims).toEqual([2, 3, 1]);
      expect(Array.from(result?.data as Float32Array)).toEqual([90, 10, 20, 90, 40, 50]);
    } finally {
      await session.release();
    }
  });

  it("encode and decode round-trip, with the IR version, opset and sorted metadata", () => {
    const model = buildModel({
      graphName: "g",
      inputs: [valueInfo("a", "float32", [1])],
      outputs: [valueInfo("c", "float32", [1])],
      initializers: [tensor("b", [1], Float32Array.from([2.5]))],
      nodes: [node("Add", ["a", "b"], ["c"])],
      metadata: { z: "1", a: "2" },
    });
    const decoded = decodeModel(encodeModel(model));
    expect(Number(decoded.irVersion)).toBe(IR_VERSION);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", OPSET_VERSION]]);
    expect(decoded.metadataProps.map((p) => p.key)).toEqual(["a", "z"]);
    const init = decoded.graph?.initializer?.[0];
    expect(init?.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
    // raw_data is little-endian: 2.5f = 0x40200000.
    expect(Array.from(init?.rawData ?? [])).toEqual([0x00, 0x00, 0x20, 0x40]);
    expect(Number(decoded.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimValue)).toBe(1);
  });

  it("refuse data that does not fill the dims", () => {
    expect(() => tensor("t", [2, 3], new Float32Array(5))).toThrow(/hold 6 values, the data has 5/);
  });

  it("refuse bytes that are not a model", () => {
    expect(() => decodeModel(new TextEncoder().encode("definitely not onnx"))).toThrow();
  });
});
