/**
 * Reproduce a score: `npm run evaluate -- --model m.onnx --eval-set s.bin --spec spec.json [--salt 0x…]`
 *
 * Runs exactly the evaluator's path (validation, the sandboxed onnxruntime
 * run, the metric, the fingerprint) and prints the report JSON. With the salt
 * of a revealed eval set it also prints the commitment, to compare with the
 * bounty's on-chain `evalSetCommitment`. Exit codes: 0 scored, 1 the model was
 * invalid (the report says why), 2 bad usage or input.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bountySpecSchema } from "../core/spec.js";
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_SANDBOX_LIMITS,
  evaluateCheckpoint,
  Sandbox,
} from "../jobs/evaluation/index.js";
import { decodeEvalSet, evalSetCommitment, evalSetFitsSpec } from "../ml/evalset.js";
import { sha256Hex } from "../server/hash.js";

const USAGE =
  "usage: npm run evaluate -- --model <m.onnx> --eval-set <s.bin> --spec <spec.json> [--salt 0x…] [--batch-size N] [--memory-mb N] [--timeout-s N]";

function fail(message: string): never {
  console.error(`evaluate: ${message}\n${USAGE}`);
  process.exit(2);
}

function read(file: string | undefined, what: string): Buffer {
  if (!file) fail(`missing --${what}`);
  try {
    return readFileSync(file);
  } catch (error) {
    fail(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      model: { type: "string" },
      "eval-set": { type: "string" },
      spec: { type: "string" },
      salt: { type: "string" },
      "batch-size": { type: "string" },
      "memory-mb": { type: "string" },
      "timeout-s": { type: "string" },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
const positive = (name: string, fallback: number) => {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer`);
  return value;
};

const modelBytes = read(values.model, "model");
const evalSetBytes = read(values["eval-set"], "eval-set");
let specJson: unknown;
try {
  specJson = JSON.parse(read(values.spec, "spec").toString("utf8"));
} catch (error) {
  fail(`the spec is not JSON: ${(error as Error).message}`);
}
const parsed = bountySpecSchema.safeParse(specJson);
if (!parsed.success) {
  fail(
    `invalid spec:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(spec)"}: ${i.message}`).join("\n")}`,
  );
}
const spec = parsed.data;
let problems: string[];
try {
  problems = evalSetFitsSpec(decodeEvalSet(evalSetBytes), spec);
} catch (error) {
  fail(`the eval set is invalid: ${(error as Error).message}`);
}
if (problems.length > 0) fail(`the eval set does not fit the spec: ${problems.join("; ")}`);
let commitment: string | undefined;
if (values.salt !== undefined) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(values.salt)) fail("--salt must be 32 bytes of 0x-hex");
  commitment = evalSetCommitment(`0x${sha256Hex(evalSetBytes)}`, values.salt as `0x${string}`);
}

const sandbox = new Sandbox({
  memoryBytes: positive("memory-mb", DEFAULT_SANDBOX_LIMITS.memoryBytes / 1024 ** 2) * 1024 ** 2,
  timeoutMs: positive("timeout-s", DEFAULT_SANDBOX_LIMITS.timeoutMs / 1000) * 1000,
});
try {
  const report = await evaluateCheckpoint({
    modelBytes,
    evalSetPath: values["eval-set"] as string,
    evalSetSha256: sha256Hex(evalSetBytes),
    spec,
    sandbox,
    batchSize: positive("batch-size", DEFAULT_BATCH_SIZE),
    ...(commitment && { evalSetCommitment: commitment }),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.outcome === "scored" ? 0 : 1;
} finally {
  await sandbox.close();
}
