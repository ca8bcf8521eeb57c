/**
 * bullmq is pinned exactly, to the version test/integration/bullmq-contract.test.ts checks, and nothing
 * reaches below its public API (ADR 017). The grep stands in until a dependency-cruiser rule checks
 * imports in `npm run lint`.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
interface PackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  packages?: Record<string, { version?: string }>;
}
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), "utf8")) as PackageJson;

describe("bullmq pin", () => {
  it("pins bullmq to one exact version, the one in package-lock.json and node_modules", () => {
    const wanted = readJson("package.json").dependencies?.bullmq;
    expect(wanted, 'package.json must pin bullmq exactly ("5.81.5", not "^5.81.5")').toMatch(
      /^\d+\.\d+\.\d+$/,
    );
    const locked = readJson("package-lock.json").packages ?? {};
    expect(locked["node_modules/bullmq"]?.version, "package-lock.json disagrees: run npm install").toBe(
      wanted,
    );
    expect(readJson("node_modules/bullmq/package.json").version, "installed bullmq differs: run npm ci").toBe(
      wanted,
    );
  });
});

/** Source files of the project (not node_modules, builds or data), relative to the root. */
function sourceFiles(dir = root): string[] {
  const skip = new Set(["node_modules", "build", "public", ".data", ".git", "out", "cache", "contracts"]);
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return skip.has(entry.name) || entry.name.startsWith(".") ? [] : sourceFiles(full);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [path.relative(root, full)] : [];
  });
}

// Written so that this file does not match itself.
const FORBIDDEN: [RegExp, string][] = [
  [/(from\s+|import\(\s*|require\(\s*)["'][^"']+\/dist\//, "a deep import into a package's dist/"],
  [new RegExp(["bullmq", "dist"].join("/")), "a path into bullmq's dist/"],
  [new RegExp(["raw2Next", "JobData"].join("")), "BullMQ's raw job-hash decoder"],
  [new RegExp(["Job", "JsonRaw"].join("")), "BullMQ's raw job-hash type"],
  [new RegExp(["Job\\.from", "JSON\\b"].join("")), "a Job built from a raw job hash"],
  [new RegExp(["\\.scripts", "\\.[A-Za-z]+\\("].join("")), "BullMQ's internal scripts"],
  [new RegExp(["\\.(defa|atm|stc|ats)", "\\b"].join("")), "a raw BullMQ job-hash field"],
];

describe("no BullMQ internals", () => {
  it("finds no deep imports, copied scripts or raw job-hash reads in the source", () => {
    const found: string[] = [];
    for (const file of sourceFiles()) {
      const text = readFileSync(path.join(root, file), "utf8");
      for (const [pattern, what] of FORBIDDEN) {
        const line = text.split("\n").findIndex((l) => pattern.test(l));
        if (line >= 0) found.push(`${file}:${line + 1}: ${what}`);
      }
    }
    expect(found, "use BullMQ's public API only (docs/decisions/017-dispatch-public-api.md)").toEqual([]);
  });
});
