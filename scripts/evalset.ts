/**
 * Eval sets from the command line: `npm run evalset -- <command> ...`
 *
 *   build <spec.json> <out.bin>    write the held-out split of the spec's built-in training data
 *                                  (builtin:blobs, builtin:linear, builtin:hindi) as an eval set
 *   inspect <set.bin>              print its header (task, rows, shapes) and sha256
 *   register <spec.json> <set.bin> store it privately with a fresh salt; print its commitment
 *                                  (the bounty's evalSetCommitment)
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or invalid input.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { migrateDb, openDb } from "../db/client.server.js";
import { ArtifactStore } from "../lib/artifacts.server.js";
import { envOrExit, envSchema } from "../lib/env.server.js";
import { storeEvalSet } from "../lib/evalsets.server.js";
import { sha256Hex } from "../lib/hash.server.js";
import { bountySpecSchema, specHash } from "../lib/spec.js";
import { heldOutSplit } from "../ml/data.js";
import { decodeEvalSet, encodeEvalSet } from "../ml/evalset.js";
import { cliDbTarget } from "./lib/dev-services.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

const USAGE =
  "usage: npm run evalset -- build <spec.json> <out.bin> | inspect <set.bin> | register <spec.json> <set.bin>";

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

const [command, a, b] = process.argv.slice(2);
switch (command) {
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
    const handle = await openDb(cliDbTarget());
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
