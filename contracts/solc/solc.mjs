#!/usr/bin/env node
// Offline Solidity compiler for forge.
//
// forge normally downloads native solc builds, which this project's machines
// cannot do. This wrapper puts the npm `solc` package (solcjs, a WebAssembly
// build of the same compiler) behind the two command-line calls forge makes:
//
//   solc --version          forge parses the `Version:` line; solcjs reports
//                           `...Emscripten.clang`, rewritten to a platform
//                           suffix forge accepts. The compiler is the same.
//   solc --standard-json    standard-JSON input on stdin, output on stdout.
//
// foundry.toml points `solc` at this file. See docs/decisions/002-offline-solc.md.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");

const args = process.argv.slice(2);

if (args.includes("--version")) {
  const version = solc.version().replace(/\.Emscripten\.clang$/, ".Linux.g++");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write(
    `solc wrapper: only --version and --standard-json are supported (got: ${args.join(" ")})\n`,
  );
  process.exit(2);
}

// forge passes every source inline, so the import callback is only a fallback
// for paths it did not resolve. Reads are confined to --base-path and
// --include-path / --allow-paths roots (defaulting to the working directory).
const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if (["--base-path", "--include-path", "--allow-paths"].includes(args[i]) && args[i + 1]) {
    for (const root of args[i + 1].split(",")) roots.push(path.resolve(root));
  }
}

function findImport(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (!candidate.startsWith(root + path.sep)) continue;
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `File not found in ${roots.join(", ")}: ${importPath}` };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = Buffer.concat(chunks).toString("utf8");
process.stdout.write(solc.compile(input, { import: findImport }));
