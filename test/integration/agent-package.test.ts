/**
 * The pool agent ships as its own package (agent/package.json): it builds to plain JavaScript, its bin
 * runs the build, and the package holds what it needs and nothing of the platform's server.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const agentDir = path.join(root, "agent");

describe("the crowdtrain-pool-agent package", () => {
  beforeAll(async () => {
    // The build itself fails when the bundle imports a package agent/package.json does not declare.
    await run(process.execPath, [path.join(agentDir, "build.mjs")], { cwd: agentDir });
  });

  it("runs as a plain-JavaScript bin, without tsx", async () => {
    // No tsx loader, no NODE_OPTIONS: plain node.
    const { NODE_OPTIONS: _, ...env } = process.env;
    const { stdout } = await run(process.execPath, [path.join(agentDir, "bin.mjs"), "--help"], { env });
    expect(stdout).toContain("crowdtrain-pool-agent [options]");
    const bundle = readFileSync(path.join(agentDir, "dist/cli.js"), "utf8");
    expect(bundle.startsWith("#!/usr/bin/env node")).toBe(true);
    expect(bundle).not.toMatch(/from "tsx|from "(bullmq|drizzle-orm|ioredis|@remix-run\/[a-z-]+|pg)"/);
  });

  it("names a bad option and exits non-zero", async () => {
    const failed = await run(process.execPath, [path.join(agentDir, "bin.mjs"), "--no-such-option"]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain("no-such-option");
  });

  it("depends only on what it imports, and packs its build and bin", async () => {
    const pkg = JSON.parse(readFileSync(path.join(agentDir, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["onnx-proto", "p-retry", "pino", "viem", "zod"]);
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: agentDir,
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(["bin.mjs", "dist/cli.js", "package.json", "README.md"]));
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
  });
});
