/**
 * Eval sets from the command line: `npm run evalset -- <command> ...`
 *
 *   build <spec.json> <out.bin>    write the held-out split of the spec's built-in training data
 *                                  (builtin:blobs, builtin:linear, builtin:hindi) as an eval set
 *   inspect <set.bin>              print its header (task, rows, shapes) and sha256
 *   register <spec.json> <set.bin> store it privately with a fresh salt; print its commitment
 *                                  (the bounty's evalSetCommitment)
 *   import <spec.json> <data> --out <set.bin> [--train-out <file>] [--format csv|jsonl|text]
 *          [--label-column NAME[,NAME…]] [--held-out 0.2] [--salt 0x<64 hex>]
 *                                  split a DAO's own data (CSV, JSONL or a text corpus; see
 *                                  docs/data-import.md) by a secret random salt: the held-out part
 *                                  becomes the eval set, the rest the public training file. The salt
 *                                  is random and forgotten unless --salt gives one (to repeat a split).
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or invalid input.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { hexToBytes, isHex } from "viem";
import { bountySpecSchema, specHash } from "../core/spec.js";
import { migrateDb } from "../db/client.js";
import { storeEvalSet } from "../jobs/evalsets/index.js";
import { heldOutSplit } from "../ml/data.js";
import { decodeEvalSet, encodeEvalSet, evalSetFitsSpec } from "../ml/evalset.js";
import {
  DATA_FORMATS,
  type DataFormat,
  DataImportError,
  DEFAULT_HELD_OUT,
  formatOfFileName,
  IMPORT_LIMITS,
  importDataset,
  randomSplitSalt,
  SPLIT_SALT_BYTES,
} from "../ml/import.js";
import { ArtifactStore } from "../server/artifacts.js";
import { envOrExit, envSchema } from "../server/env.js";
import { sha256Hex } from "../server/hash.js";
import { openCliDb } from "./lib/dev-services.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

const USAGE = [
  "usage: npm run evalset -- build <spec.json> <out.bin>",
  "       npm run evalset -- inspect <set.bin>",
  "       npm run evalset -- register <spec.json> <set.bin>",
  "       npm run evalset -- import <spec.json> <data.csv|.jsonl|.txt> --out <set.bin> [--train-out <file>]",
  "            [--format csv|jsonl|text] [--label-column NAME[,NAME…]] [--held-out 0.2] [--salt 0x<64 hex>]",
].join("\n");

function fail(message: string): never {
  console.error(`evalset: ${message}\n${USAGE}`);
  process.exit(2);
}

function readSpec(file: string | undefined) {
  if (!file) fail("missing spec file");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = bountySpecSchema.safeParse(json);
  if (!parsed.success) {
    fail(
      `invalid spec:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(spec)"}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

function readSet(file: string | undefined): Buffer {
  if (!file) fail("missing eval-set file");
  try {
    return readFileSync(file);
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `import`: a DAO's data file split into an eval set and a public training file. */
function importCommand(args: string[]) {
  let parsed: ReturnType<typeof parseImportArgs>;
  try {
    parsed = parseImportArgs(args);
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [specFile, dataFile, extra] = positionals;
  if (extra !== undefined) fail(`unexpected argument "${extra}"`);
  const spec = readSpec(specFile);
  if (!dataFile) fail("missing data file");
  if (!values.out) fail("missing --out <set.bin>");
  const format = (values.format ?? formatOfFileName(dataFile)) as DataFormat | undefined;
  if (!format)
    fail(
      `say --format ${DATA_FORMATS.join("|")}: the name "${dataFile}" does not end in .csv, .jsonl or .txt`,
    );
  if (!(DATA_FORMATS as readonly string[]).includes(format)) {
    fail(`--format is one of ${DATA_FORMATS.join(", ")}, not "${format}"`);
  }
  const heldOutText = values["held-out"];
  const heldOutFraction = heldOutText === undefined ? DEFAULT_HELD_OUT : Number(heldOutText);
  const { minHeldOut, maxHeldOut } = IMPORT_LIMITS;
  if (
    heldOutText !== undefined &&
    !(/^\d*\.?\d+$/.test(heldOutText) && heldOutFraction >= minHeldOut && heldOutFraction <= maxHeldOut)
  ) {
    fail(
      `--held-out is a number from ${IMPORT_LIMITS.minHeldOut} to ${IMPORT_LIMITS.maxHeldOut}, not "${heldOutText}"`,
    );
  }
  let salt: Uint8Array;
  if (values.salt !== undefined) {
    if (!isHex(values.salt, { strict: true }) || values.salt.length !== 2 + 2 * SPLIT_SALT_BYTES) {
      fail(`--salt is ${SPLIT_SALT_BYTES} bytes as 0x-prefixed hex (${2 * SPLIT_SALT_BYTES} hex digits)`);
    }
    salt = hexToBytes(values.salt);
  } else {
    salt = randomSplitSalt();
  }
  // Refuse an oversized file before reading it into memory.
  let size: number;
  try {
    size = statSync(dataFile).size;
  } catch (error) {
    fail(`cannot read ${dataFile}: ${(error as Error).message}`);
  }
  if (size > IMPORT_LIMITS.maxBytes) {
    fail(
      `${dataFile} has ${size} bytes, more than the ${IMPORT_LIMITS.maxBytes / 2 ** 20} MiB a data file may have`,
    );
  }
  const data = readSet(dataFile);
  let bytes: Uint8Array;
  let imported: ReturnType<typeof importDataset>;
  try {
    imported = importDataset(data, spec.task, {
      format,
      salt,
      heldOutFraction,
      labelColumns: values["label-column"]?.split(",").filter((name) => name.trim() !== ""),
    });
    const problems = evalSetFitsSpec(imported.heldOut, spec);
    if (problems.length > 0) fail(`the eval set does not fit the spec: ${problems.join("; ")}`);
    bytes = encodeEvalSet(imported.heldOut);
  } catch (error) {
    if (error instanceof DataImportError) fail(`${dataFile}: ${error.message}`);
    throw error;
  }
  writeFileSync(values.out, bytes);
  if (values["train-out"]) writeFileSync(values["train-out"], imported.trainingFile);
  else console.error("evalset: the training part was not written (pass --train-out <file> to keep it)");
  say(
    JSON.stringify({
      file: values.out,
      bytes: bytes.length,
      sha256: sha256Hex(bytes),
      rows: imported.rows,
      ...(imported.heldOut.task === "causal-lm" ? { sequences: imported.heldOut.count } : {}),
      ...(imported.classes ? { classes: imported.classes } : {}),
      ...(values["train-out"]
        ? { trainFile: values["train-out"], trainSha256: sha256Hex(imported.trainingFile) }
        : {}),
    }),
  );
}

function parseImportArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string" },
      "train-out": { type: "string" },
      format: { type: "string" },
      "label-column": { type: "string" },
      "held-out": { type: "string" },
      salt: { type: "string" },
    },
  });
}

const [command, a, b] = process.argv.slice(2);
switch (command) {
  case "import": {
    importCommand(process.argv.slice(3));
    break;
  }
  case "build": {
    const spec = readSpec(a);
    if (!b) fail("missing output file");
    let bytes: Uint8Array;
    try {
      bytes = encodeEvalSet(heldOutSplit(spec));
    } catch (error) {
      fail((error as Error).message);
    }
    writeFileSync(b, bytes);
    say(JSON.stringify({ file: b, bytes: bytes.length, sha256: sha256Hex(bytes) }));
    break;
  }
  case "inspect": {
    const bytes = readSet(a);
    try {
      const split = decodeEvalSet(bytes);
      const { task, count } = split;
      say(JSON.stringify({ task, rows: count, bytes: bytes.length, sha256: sha256Hex(bytes) }));
    } catch (error) {
      fail(`invalid eval set: ${(error as Error).message}`);
    }
    break;
  }
  case "register": {
    const spec = readSpec(a);
    const bytes = readSet(b);
    const config = envOrExit(envSchema.pick({ ARTIFACTS_DIR: true }));
    const handle = await openCliDb();
    try {
      await migrateDb(handle);
      const row = await storeEvalSet(handle.db, new ArtifactStore(config.ARTIFACTS_DIR), bytes, {
        spec,
        specHash: specHash(spec),
      });
      say(JSON.stringify({ commitment: row.commitment, sha256: row.sha256, rows: row.samples }));
    } catch (error) {
      console.error(`evalset: ${(error as Error).message}`);
      process.exitCode = 1;
    } finally {
      await handle.close();
    }
    break;
  }
  default:
    fail(command ? `unknown command "${command}"` : "missing command");
}
