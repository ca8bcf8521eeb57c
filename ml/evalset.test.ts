import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { blobsClassifierSpec, hindiGptSpec, linearRegressionSpec } from "../core/spec.examples.js";
import type { BountySpec } from "../core/spec.js";
import { type CausalLmSplit, type ClassificationSplit, heldOutSplit, type RegressionSplit } from "./data.js";
import {
  decodeEvalSet,
  EVAL_SET_MAGIC,
  EvalSetError,
  encodeEvalSet,
  evalSetCommitment,
  evalSetFitsSpec,
  randomSalt,
} from "./evalset.js";

const blobs = heldOutSplit(blobsClassifierSpec) as ClassificationSplit;
const linear = heldOutSplit(linearRegressionSpec) as RegressionSplit;
const hindi = heldOutSplit(hindiGptSpec) as CausalLmSplit;

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  offset: number;
  byteLength: number;
}

/** The file read by hand from the documented layout (independently of decodeEvalSet). */
function parts(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  const dataStart = Math.ceil((12 + length) / 8) * 8;
  const tensor = (name: string) => {
    const entry = (header.tensors as Entry[]).find((t) => t.name === name) as Entry;
    return new DataView(bytes.buffer, bytes.byteOffset + dataStart + entry.offset, entry.byteLength);
  };
  return { header, dataStart, data: bytes.subarray(dataStart), tensor };
}

/** The file with its header replaced (data section unchanged). */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const { header, data } = parts(bytes);
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((12 + json.length) / 8) * 8;
  const out = new Uint8Array(dataStart + data.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, dataStart);
  return out;
}

const rejects = (bytes: Uint8Array, message: RegExp) => {
  expect(() => decodeEvalSet(bytes)).toThrow(EvalSetError);
  expect(() => decodeEvalSet(bytes)).toThrow(message);
};

describe("encode and decode", () => {
  it.each([
    ["classification", blobs],
    ["regression", linear],
    ["causal-lm", hindi],
  ] as const)("round-trip the %s held-out split", (task, split) => {
    expect(split.count).toBeGreaterThan(10);
    const bytes = encodeEvalSet(split);
    expect(decodeEvalSet(bytes)).toEqual(split);
    expect(encodeEvalSet(decodeEvalSet(bytes))).toEqual(bytes);

    // The documented layout.
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(EVAL_SET_MAGIC);
    const { header, dataStart } = parts(bytes);
    expect(header).toMatchObject({ format: "crowdtrain-eval-set", version: 1, task, count: split.count });
    expect(dataStart % 8).toBe(0);
    const [first, second] = header.tensors as Entry[];
    expect(first?.offset).toBe(0);
    expect(second?.offset).toBe(Math.ceil((first?.byteLength ?? 0) / 8) * 8);
    expect(bytes.length).toBe(dataStart + (second?.offset ?? 0) + (second?.byteLength ?? 0));
  });

  it("writes the documented header and little-endian values", () => {
    const bytes = encodeEvalSet(blobs);
    const { header, tensor } = parts(bytes);
    expect(header).toEqual({
      format: "crowdtrain-eval-set",
      version: 1,
      task: "classification",
      count: blobs.count,
      numFeatures: 8,
      numClasses: 4,
      tensors: [
        {
          name: "features",
          dtype: "float32",
          shape: [blobs.count, 8],
          offset: 0,
          byteLength: blobs.count * 32,
        },
        {
          name: "labels",
          dtype: "int32",
          shape: [blobs.count],
          offset: blobs.count * 32,
          byteLength: blobs.count * 4,
        },
      ],
    });
    expect(tensor("features").getFloat32(4 * 9, true)).toBe(blobs.features[9]);
    expect(tensor("labels").getInt32(4 * 3, true)).toBe(blobs.labels[3]);
    const tokens = parts(encodeEvalSet(hindi)).tensor("tokens");
    expect(tokens.getBigInt64(8 * 5, true)).toBe(hindi.tokens[5]);
  });

  it("decodes bytes at an odd byteOffset", () => {
    for (const split of [blobs, linear, hindi]) {
      const bytes = encodeEvalSet(split);
      const shifted = new Uint8Array(bytes.length + 3);
      shifted.set(bytes, 1);
      expect(decodeEvalSet(shifted.subarray(1, 1 + bytes.length))).toEqual(split);
    }
  });

  it("round-trips an empty split", () => {
    const empty: RegressionSplit = {
      ...linear,
      count: 0,
      features: new Float32Array(),
      targets: new Float32Array(),
    };
    expect(decodeEvalSet(encodeEvalSet(empty))).toEqual(empty);
  });

  it("refuses to encode a split that breaks the format", () => {
    const features = Float32Array.from(blobs.features);
    features[5] = Number.NaN;
    expect(() => encodeEvalSet({ ...blobs, features })).toThrow(/features\[row 0, feature 5\] is NaN/);
    expect(() => encodeEvalSet({ ...blobs, labels: blobs.labels.subarray(1) })).toThrow(/labels has/);
    expect(() => encodeEvalSet({ ...hindi, padTokenId: hindi.vocabSize })).toThrow(/padTokenId/);
  });
});

describe("decode rejects", () => {
  const good = encodeEvalSet(blobs);

  it("a bad magic", () => {
    const bytes = Uint8Array.from(good);
    bytes[7] = "2".charCodeAt(0);
    rejects(bytes, /not an eval set: the first 8 bytes are "CTEVAL02"/);
  });

  it("a truncated file", () => {
    rejects(good.subarray(0, 5), /truncated: 5 bytes/);
    rejects(
      good.subarray(0, good.length - 1),
      /labels\) ends at data byte .* past the data section.*truncated/,
    );
    rejects(good.subarray(0, parts(good).dataStart + 100), /needs more than the 100 bytes.*truncated/);
  });

  it("trailing bytes", () => {
    const longer = new Uint8Array(good.length + 8);
    longer.set(good);
    rejects(longer, /8 bytes follow the last tensor/);
  });

  it("a header length past the end", () => {
    const bytes = Uint8Array.from(good);
    new DataView(bytes.buffer).setUint32(8, 0xffffffff, true);
    rejects(bytes, /header length 4294967295 runs past the end/);
  });

  it("a header that is not JSON or not the schema", () => {
    const bytes = Uint8Array.from(good);
    bytes[12] = "[".charCodeAt(0);
    rejects(bytes, /not UTF-8 JSON/);
    rejects(
      withHeader(good, (h) => {
        h.version = 2;
      }),
      /invalid header: version/,
    );
    rejects(
      withHeader(good, (h) => {
        h.extra = true;
      }),
      /invalid header/,
    );
  });

  it("a forged huge shape without allocating it", () => {
    const huge = 2 ** 40;
    const forged = withHeader(good, (h) => {
      h.count = huge;
      const [features, labels] = h.tensors as Entry[];
      Object.assign(features as Entry, { shape: [huge, 8], byteLength: huge * 32 });
      Object.assign(labels as Entry, { shape: [huge], offset: huge * 32, byteLength: huge * 4 });
    });
    rejects(forged, /tensor 0 \(features\) of shape \[1099511627776,8\] needs more than/);
    // A shape that disagrees with the header's sizes.
    rejects(
      withHeader(good, (h) => {
        ((h.tensors as Entry[])[0] as Entry).shape = [blobs.count, 9];
      }),
      /has shape \[\d+,9\]; the header's sizes make it \[\d+,8\]/,
    );
  });

  it("a byteLength or offset off the canonical layout", () => {
    rejects(
      withHeader(good, (h) => {
        ((h.tensors as Entry[])[1] as Entry).byteLength += 4;
      }),
      /labels\) has byteLength/,
    );
    rejects(
      withHeader(good, (h) => {
        ((h.tensors as Entry[])[1] as Entry).offset += 8;
      }),
      /labels\) is at offset \d+; the layout puts it at/,
    );
  });

  it("a label out of range", () => {
    const bytes = Uint8Array.from(good);
    parts(bytes)
      .tensor("labels")
      .setInt32(4 * 7, 4, true);
    rejects(bytes, /labels\[7\] is 4, outside \[0, 4\)/);
    parts(bytes)
      .tensor("labels")
      .setInt32(4 * 7, -1, true);
    rejects(bytes, /labels\[7\] is -1/);
  });

  it("a NaN or infinite feature", () => {
    const bytes = Uint8Array.from(good);
    parts(bytes)
      .tensor("features")
      .setFloat32(4 * (2 * 8 + 3), Number.NaN, true);
    rejects(bytes, /features\[row 2, feature 3\] is NaN/);
    const targets = Uint8Array.from(encodeEvalSet(linear));
    parts(targets)
      .tensor("targets")
      .setFloat32(4 * 3, Number.NEGATIVE_INFINITY, true);
    rejects(targets, /targets\[row 1, output 1\] is -Infinity/);
  });

  describe("language-model tokens", () => {
    const lm = encodeEvalSet(hindi);
    const l = hindi.sequenceLength;
    const row = hindi.lengths.findIndex((length) => length > 2 && length < l);
    const length = hindi.lengths[row] as number;
    const setToken = (t: number, value: bigint) => {
      const bytes = Uint8Array.from(lm);
      parts(bytes)
        .tensor("tokens")
        .setBigInt64(8 * (row * l + t), value, true);
      return bytes;
    };

    it("out of the vocabulary", () => {
      rejects(
        setToken(1, 152n),
        new RegExp(`tokens\\[row ${row}, position 1\\] is 152, outside \\[0, 152\\)`),
      );
      rejects(setToken(1, -1n), /is -1, outside/);
    });

    it("not padding after a sequence's length", () => {
      rejects(
        setToken(length, 0n),
        new RegExp(`position ${length}\\] is 0 after the sequence's length ${length}`),
      );
    });

    it("padding inside a sequence", () => {
      rejects(setToken(1, 150n), /is the pad token 150 inside the sequence/);
    });

    it("a length out of range", () => {
      const bytes = Uint8Array.from(lm);
      parts(bytes)
        .tensor("lengths")
        .setInt32(4 * row, l + 1, true);
      rejects(bytes, new RegExp(`lengths\\[${row}\\] is ${l + 1}, outside \\[0, ${l}\\]`));
    });
  });
});

describe("commitment", () => {
  it("is sha256(salt ‖ eval-set sha256)", () => {
    const bytes = encodeEvalSet(blobs);
    const digest = `0x${createHash("sha256").update(bytes).digest("hex")}` as const;
    const salt = `0x${"a5".repeat(32)}` as const;
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from(salt.slice(2), "hex"), Buffer.from(digest.slice(2), "hex")]))
      .digest("hex");
    expect(evalSetCommitment(digest, salt)).toBe(`0x${expected}`);
    // Known answer over fixed inputs: sha256(0x00 * 32 ‖ 0x11 * 32).
    const fixed = createHash("sha256")
      .update(Buffer.concat([Buffer.alloc(32, 0x00), Buffer.alloc(32, 0x11)]))
      .digest("hex");
    expect(evalSetCommitment(`0x${"11".repeat(32)}`, `0x${"00".repeat(32)}`)).toBe(`0x${fixed}`);
  });

  it("needs a 32-byte salt and digest", () => {
    const digest = `0x${"11".repeat(32)}` as const;
    expect(() => evalSetCommitment(digest, "0x1234")).toThrow(/salt must be 32 bytes/);
    expect(() => evalSetCommitment(digest, `0x${"zz".repeat(32)}`)).toThrow(/salt must be 32 bytes/);
    expect(() => evalSetCommitment("0x11", digest)).toThrow(/evalSetSha256 must be 32 bytes/);
  });

  it("draws random 32-byte salts", () => {
    const a = randomSalt();
    expect(a).toMatch(/^0x[0-9a-f]{64}$/);
    expect(randomSalt()).not.toBe(a);
  });
});

describe("evalSetFitsSpec", () => {
  it("accepts each example's held-out split", () => {
    expect(evalSetFitsSpec(blobs, blobsClassifierSpec)).toEqual([]);
    expect(evalSetFitsSpec(linear, linearRegressionSpec)).toEqual([]);
    expect(evalSetFitsSpec(hindi, hindiGptSpec)).toEqual([]);
  });

  it("names each problem", () => {
    expect(evalSetFitsSpec(blobs, linearRegressionSpec)).toEqual([
      "the eval set is for classification; the spec's task is regression",
    ]);
    expect(evalSetFitsSpec({ ...blobs, numFeatures: 7, numClasses: 3 }, blobsClassifierSpec)).toEqual([
      "the eval set's numFeatures is 7; the spec's is 8",
      "the eval set's numClasses is 3; the spec's is 4",
    ]);
    expect(evalSetFitsSpec({ ...linear, outputDim: 3 }, linearRegressionSpec)).toEqual([
      "the eval set's outputDim is 3; the spec's is 2",
    ]);
    const shortContext: BountySpec = { ...hindiGptSpec, task: { ...hindiGptSpec.task, contextLength: 32 } };
    expect(evalSetFitsSpec({ ...hindi, vocabSize: 100, padTokenId: 99 }, shortContext)).toEqual([
      "the eval set's vocabSize is 100; the spec's is 152",
      "the eval set's padTokenId is 99; the spec's is 150",
      "the eval set's sequences hold 64 tokens, more than the spec's contextLength 32",
    ]);
    expect(
      evalSetFitsSpec(
        { ...blobs, count: 0, features: new Float32Array(), labels: new Int32Array() },
        blobsClassifierSpec,
      ),
    ).toEqual(["the eval set has no rows"]);
    expect(evalSetFitsSpec({ ...hindi, lengths: hindi.lengths.map(() => 1) }, hindiGptSpec)).toEqual([
      "no sequence has 2 or more tokens, so no next token is scored",
    ]);
  });
});
