/**
 * Bounty specs from the command line: `npm run spec -- <command> <file.json>`.
 *
 *   check <file>      validate; print the canonical JSON's hash (the on-chain specHash)
 *   register <file>   validate and store in the platform database; print the hash
 *   example <type>    print an example spec (classification, regression, causal-lm)
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage or an invalid spec (each problem is printed with its field).
 */
import { readFileSync } from "node:fs";
import { exampleSpecs } from "../core/spec.examples.js";
import { bountySpecSchema, specHash } from "../core/spec.js";
import { migrateDb } from "../db/client.js";
import { registerSpec } from "../jobs/bounties/index.js";
import { openCliDb } from "./lib/dev-services.js";

const USAGE = "usage: npm run spec -- check <file.json> | register <file.json> | example <task type>";
const say = (line: string) => process.stdout.write(`${line}\n`);

function fail(message: string, code = 2): never {
  console.error(`spec: ${message}`);
  process.exit(code);
}

function load(file: string | undefined): unknown {
  if (!file) fail(`missing spec file\n${USAGE}`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function validated(input: unknown) {
  const parsed = bountySpecSchema.safeParse(input);
  if (!parsed.success) {
    fail(
      `invalid spec:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(spec)"}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}

const [command, arg] = process.argv.slice(2);
switch (command) {
  case "check":
    say(specHash(validated(load(arg))));
    break;
  case "register": {
    const spec = validated(load(arg));
    const handle = await openCliDb();
    try {
      await migrateDb(handle);
      say((await registerSpec(handle.db, spec)).specHash);
    } finally {
      await handle.close();
    }
    break;
  }
  case "example": {
    const example = exampleSpecs[arg as keyof typeof exampleSpecs];
    if (!example) fail(`no example for "${arg}"; try ${Object.keys(exampleSpecs).join(", ")}`);
    say(JSON.stringify(example, null, 2));
    break;
  }
  default:
    fail(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
}
