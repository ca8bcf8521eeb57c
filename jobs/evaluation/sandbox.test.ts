/**
 * The sealed child's walls, tested with the very bubblewrap arguments the sandbox uses: a probe
 * script runs where the evaluation child runs and tries what a hostile model would (read the
 * project, the artifacts, /proc, the environment; reach Redis, Postgres or the web on loopback).
 * Everything must fail; only the child's own bundle and onnxruntime are there.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { heldOutSplit } from "../../ml/data.js";
import { encodeEvalSet } from "../../ml/evalset.js";
import { sha256Hex } from "../../server/hash.js";
import { validClassifier } from "../../test/setup/checkpoints.js";
import { bwrapArgs, childRuntime, EvaluationFailure, Sandbox } from "./sandbox.js";
import { DEFAULT_MODEL_LIMITS } from "./validate.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs `script` (CommonJS) sealed as the evaluation child is; returns what it printed as JSON. */
async function sealed(script: string): Promise<Record<string, unknown>> {
  const rt = await childRuntime();
  const result = spawnSync("bwrap", [...bwrapArgs(rt), process.execPath, "-e", script], {
    env: { ORT_DISABLE_TELEMETRY: "1" } as unknown as NodeJS.ProcessEnv, // as the sandbox spawns it
    encoding: "utf8",
    timeout: 20_000,
  });
  if (result.status !== 0) throw new Error(`probe failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("the sealed child", () => {
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-secret-"));
    await writeFile(path.join(outside, "eval-set.bin"), "the private eval set");
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it("sees no platform file, no /proc, no /dev, no /etc and no environment; only its bundle and onnxruntime", async () => {
    const paths = [
      path.join(ROOT, "package.json"),
      path.join(ROOT, ".data"),
      path.join(outside, "eval-set.bin"),
      os.tmpdir(),
      "/proc/self/environ",
      "/proc/self/fd/4",
      "/dev/fd/4",
      "/etc/passwd",
      "/root",
      "/home",
      "/var",
    ];
    const probe = `
      const fs = require("node:fs");
      const seen = {};
      for (const p of ${JSON.stringify(paths)}) {
        try { fs.readFileSync(p); seen[p] = "read"; } catch (e) { seen[p] = e.code; }
      }
      console.log(JSON.stringify({
        seen, env: process.env, cwd: process.cwd(), cwdFiles: fs.readdirSync("."), root: fs.readdirSync("/").sort(),
        opt: fs.readdirSync("/opt/crowdtrain").sort(), modules: fs.readdirSync("/opt/crowdtrain/node_modules").sort(),
      }));`;
    const out = await sealed(probe);
    for (const p of paths) expect([p, (out.seen as Record<string, string>)[p]]).toEqual([p, "ENOENT"]);
    // The sandbox gives bwrap only the telemetry switch; bwrap adds the working directory's PWD.
    expect(out).toMatchObject({ cwd: "/sandbox", cwdFiles: [], env: { PWD: "/sandbox" } });
    expect(Object.keys(out.env as object).sort()).toEqual(["ORT_DISABLE_TELEMETRY", "PWD"]);
    expect(out.root).toEqual(["bin", "lib", "lib64", "opt", "sandbox", "usr"]);
    expect(out.opt).toEqual(["child.cjs", "node_modules"]);
    expect(out.modules).toEqual(["onnxruntime-common", "onnxruntime-node"]);
  });

  it("cannot reach any address, loopback included, nor write outside its private tmpfs", async () => {
    const probe = `
      const net = require("node:net"); const fs = require("node:fs");
      const tries = [["127.0.0.1", 6379], ["127.0.0.1", 5432], ["127.0.0.1", 3000], ["::1", 6379]];
      let writes = {};
      for (const p of ["/usr/x", "/opt/crowdtrain/x", "/x", "/sandbox/x"]) {
        try { fs.writeFileSync(p, "x"); writes[p] = "written"; } catch (e) { writes[p] = e.code; }
      }
      Promise.all(tries.map(([host, port]) => new Promise((resolve) => {
        const s = net.connect({ host, port }); s.on("connect", () => { s.destroy(); resolve("connected"); });
        s.on("error", (e) => resolve(e.code));
      }))).then((results) => console.log(JSON.stringify({ results, writes })));`;
    const out = await sealed(probe);
    for (const result of out.results as string[]) expect(result).not.toBe("connected");
    expect(out.writes).toEqual({
      "/usr/x": "EROFS",
      "/opt/crowdtrain/x": "EROFS",
      "/x": "EROFS",
      "/sandbox/x": "written",
    });
  });

  it("scores a model whose bytes and eval set it is handed, and turns a bad eval-set hash into an eval_set failure", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-sandbox-test-"));
    const sandbox = new Sandbox({ memoryBytes: 1024 ** 3, timeoutMs: 60_000 });
    try {
      const evalSet = encodeEvalSet(heldOutSplit(blobsClassifierSpec));
      const evalSetPath = path.join(dir, "eval.bin");
      await writeFile(evalSetPath, evalSet);
      const run = {
        spec: blobsClassifierSpec,
        batchSize: 64,
        limits: DEFAULT_MODEL_LIMITS,
        model: validClassifier(blobsClassifierSpec),
        evalSetPath,
        evalSetSha256: sha256Hex(evalSet),
      };
      const done = await sandbox.run(run);
      expect(done.modelSha256).toBe(sha256Hex(run.model));
      expect(done.result.samples).toBe(heldOutSplit(blobsClassifierSpec).count);
      const wrong = await sandbox.run({ ...run, evalSetSha256: "0".repeat(64) }).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(EvaluationFailure);
      expect((wrong as EvaluationFailure).code).toBe("eval_set");
    } finally {
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
