/**
 * `npm run contracts:gen`: builds the contracts with forge and writes typed ABIs
 * and creation bytecode to contracts/abi.ts (`as const`, so viem infers every
 * function and event type). The output is committed; a test fails when it is
 * out of date with the Solidity sources. Never edit contracts/abi.ts by hand.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildContracts, renderAbiModule } from "./lib/contracts-build.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
buildContracts();
writeFileSync(path.join(root, "contracts/abi.ts"), renderAbiModule());
console.error("contracts/abi.ts written");
