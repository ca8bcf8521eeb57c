/**
 * The command trainer with real child processes: tiny node scripts play the
 * GPU trainer.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeaseView } from "../../core/pool-api.js";
import { blobsClassifierSpec } from "../../core/spec.examples.js";
import { LeaseFailure } from "../util.js";
import { createCommandTrainer, parseProgressLine } from "./command.js";
import type { Progress, TrainContext } from "./types.js";

const logger = pino({ level: "silent" });
let root: string;
let scripts: string;
let leaseCount = 0;

const node = JSON.stringify(process.execPath);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "agent-command-test-"));
  scripts = path.join(root, "scripts");
  await mkdir(scripts);
  // A well-behaved trainer: progress lines, chatter, then the checkpoint.
  await writeFile(
    path.join(scripts, "good.mjs"),
    `import { readFileSync, writeFileSync } from "node:fs";
const args = process.argv.slice(2);
const spec = JSON.parse(readFileSync(args[args.indexOf("--spec") + 1], "utf8"));
const out = args[args.indexOf("--out") + 1];
console.log("loading data for " + spec.name);
for (let i = 1; i <= 4; i++) console.log(JSON.stringify({ percent: i * 25, step: i * 10, loss: 1 / i }));
console.log("{not json");
console.error("a warning on stderr");
writeFileSync(out, "ONNX:" + process.env.CROWDTRAIN_BOUNTY + ":" + (process.env.POOL_TOKEN ?? "no-token") + ":" + (process.env.TRAINER_PRIVATE_KEY ?? "no-key") + ":" + process.cwd());
`,
  );
  await writeFile(
    path.join(scripts, "crash.mjs"),
    `console.log(JSON.stringify({ percent: 10 }));
for (let i = 1; i <= 30; i++) console.error("stderr line " + i);
console.error("CUDA out of memory");
process.exit(3);
`,
  );
  await writeFile(path.join(scripts, "no-output.mjs"), `console.log("done, but forgot to save");\n`);
  await writeFile(
    path.join(scripts, "empty-output.mjs"),
    `import { writeFileSync } from "node:fs"; writeFileSync(process.env.CROWDTRAIN_OUT, "");\n`,
  );
  // A stubborn trainer: ignores SIGTERM, starts a grandchild that ignores it too, records pids.
  await writeFile(
    path.join(scripts, "stubborn.mjs"),
    `import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
process.on("SIGTERM", () => {});
const child = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" });
writeFileSync("pids.json", JSON.stringify([process.pid, child.pid]));
console.log(JSON.stringify({ percent: 1 }));
setInterval(() => {}, 1000);
`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function lease(): LeaseView {
  leaseCount++;
  return {
    leaseId: `lease-${leaseCount}`,
    jobId: "job-1",
    attempt: 1,
    expiresAt: Date.now() + 60_000,
    heartbeatIntervalMs: 1_000,
    bounty: {
      chainId: 31337,
      bountyId: "7",
      board: `0x${"11".repeat(20)}`,
      token: `0x${"22".repeat(20)}`,
      specHash: "0x",
    },
    spec: blobsClassifierSpec,
  };
}

async function context(signal = new AbortController().signal) {
  const progress: Progress[] = [];
  const workDir = path.join(root, `work-${leaseCount + 1}`);
  await mkdir(workDir);
  const ctx: TrainContext = {
    lease: lease(),
    spec: blobsClassifierSpec,
    workDir,
    signal,
    onProgress: (p) => progress.push(p),
    logger,
  };
  return { ctx, progress, workDir };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("parseProgressLine", () => {
  it("reads JSON objects with a numeric percent, keeping only finite numbers", () => {
    expect(parseProgressLine(`  {"percent": 12.5, "step": 3, "loss": 0.7} `)).toEqual({
      percent: 12.5,
      step: 3,
      loss: 0.7,
    });
    expect(parseProgressLine(`{"percent": 5, "step": "x", "loss": null}`)).toEqual({ percent: 5 });
    expect(parseProgressLine(`{"step": 3}`)).toBeUndefined();
    expect(parseProgressLine(`{"percent": "50"}`)).toBeUndefined();
    expect(parseProgressLine(`[1,2]`)).toBeUndefined();
    expect(parseProgressLine(`epoch 1 loss 0.5`)).toBeUndefined();
    expect(parseProgressLine(`{broken`)).toBeUndefined();
  });
});

describe("command trainer", () => {
  it("runs the program with the placeholders filled, streams progress and returns the out file", async () => {
    const trainer = createCommandTrainer({
      template: `${node} ${JSON.stringify(path.join(scripts, "good.mjs"))} --spec {spec} --out {out}`,
      env: { ...process.env, POOL_TOKEN: "secret-token", TRAINER_PRIVATE_KEY: "0xsecret" },
    });
    const { ctx, progress, workDir } = await context();
    const bytes = await trainer.train(ctx);
    const text = Buffer.from(bytes).toString();
    // The bounty id came through, the secrets did not, and the program ran in the work dir.
    expect(text).toBe(`ONNX:7:no-token:no-key:${workDir}`);
    expect(progress).toEqual([
      { percent: 25, step: 10, loss: 1 },
      { percent: 50, step: 20, loss: 0.5 },
      { percent: 75, step: 30, loss: 1 / 3 },
      { percent: 100, step: 40, loss: 0.25 },
    ]);
    expect(JSON.parse(await readFile(path.join(workDir, "spec.json"), "utf8"))).toEqual(blobsClassifierSpec);
  });

  it("fails retryably with the last stderr lines when the program exits non-zero", async () => {
    const trainer = createCommandTrainer({
      template: `${node} ${JSON.stringify(path.join(scripts, "crash.mjs"))}`,
      stderrLines: 5,
    });
    const { ctx } = await context();
    const error = await trainer.train(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseFailure);
    expect((error as LeaseFailure).retryable).toBe(true);
    const message = (error as LeaseFailure).message;
    expect(message).toMatch(/exited with code 3/);
    expect(message).toContain("CUDA out of memory");
    expect(message).toContain("stderr line 30");
    expect(message).not.toContain("stderr line 26");
  });

  it("fails when the program writes no checkpoint or an empty one", async () => {
    for (const [script, pattern] of [
      ["no-output.mjs", /wrote no checkpoint/],
      ["empty-output.mjs", /empty checkpoint/],
    ] as const) {
      const trainer = createCommandTrainer({
        template: `${node} ${JSON.stringify(path.join(scripts, script))}`,
      });
      const { ctx } = await context();
      await expect(trainer.train(ctx)).rejects.toThrow(pattern);
    }
  });

  it("fails retryably when the program cannot be started", async () => {
    const trainer = createCommandTrainer({ template: "/nonexistent/trainer-binary --out {out}" });
    const { ctx } = await context();
    const error = await trainer.train(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseFailure);
    expect((error as Error).message).toMatch(/cannot start the trainer program.*ENOENT/);
  });

  it("on abort kills the whole process group, SIGKILL after the grace period, and rejects with the reason", async () => {
    const trainer = createCommandTrainer({
      template: `${node} ${JSON.stringify(path.join(scripts, "stubborn.mjs"))}`,
      killGraceMs: 200,
    });
    const controller = new AbortController();
    const { ctx, progress, workDir } = await context(controller.signal);
    const training = trainer.train(ctx);
    const rejected = training.catch((e: unknown) => e);
    // Wait until the program and its grandchild are up.
    const started = Date.now();
    while (progress.length === 0) {
      if (Date.now() - started > 10_000) throw new Error("the trainer never reported progress");
      await new Promise((r) => setTimeout(r, 20));
    }
    const pids = JSON.parse(await readFile(path.join(workDir, "pids.json"), "utf8")) as number[];
    expect(pids.every(isAlive)).toBe(true);
    const reason = new Error("lease lost");
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await rejected).toBe(reason);
    // SIGTERM was ignored, so it took the grace period and SIGKILL.
    expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 100));
    expect(pids.some(isAlive)).toBe(false);
  });

  it("rejects at once when already aborted", async () => {
    const trainer = createCommandTrainer({ template: `${node} -e 0` });
    const controller = new AbortController();
    controller.abort(new Error("shutdown"));
    const { ctx } = await context(controller.signal);
    await expect(trainer.train(ctx)).rejects.toThrow("shutdown");
  });
});
