/**
 * Runs evaluations in a separate, limited process (jobs/evaluate/child.ts).
 *
 * - Memory: the child starts under `prlimit --data` (RLIMIT_DATA: its heap and
 *   anonymous mappings, which is where onnxruntime allocates), so an oversized
 *   allocation fails inside the child; its resident size is also watched and
 *   the child is killed past the limit (the backstop where prlimit is missing).
 * - Time: the child is killed when a run exceeds `timeoutMs`.
 * - Secrets: the child gets an empty environment (no keys, no database URL).
 * - Start-up: one child is started ahead of need and waits, onnxruntime loaded,
 *   so a run does not pay Node's and onnxruntime's start-up (about 0.3 s). The
 *   next one starts when a run ends, not during it, so the two never compete
 *   for the CPU. A child serves one run and exits: no state survives from one
 *   model to the next.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunReply, RunRequest } from "./child.js";

export interface SandboxLimits {
  /** Memory the child may allocate, in bytes. */
  memoryBytes: number;
  /** Wall time of one run (model load, inference, scoring), in ms. */
  timeoutMs: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 2 * 1024 ** 3, timeoutMs: 10 * 60_000 };

export type SandboxFailureCode = Extract<RunReply, { type: "error" }>["code"] | "timeout" | "crash";

/** Why a run produced no score: the checkpoint's fault (load, run, output, memory, timeout, crash) or the eval set's. */
export class EvaluationFailure extends Error {
  constructor(
    readonly code: SandboxFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "EvaluationFailure";
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD = path.join(ROOT, "jobs/evaluate/child.ts");
const PRLIMIT = spawnSync("prlimit", ["--version"]).status === 0 ? "prlimit" : undefined;
const PAGE_SIZE = 4_096;
const WATCH_MS = 50;

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(limits: SandboxLimits): Child {
  const node = [process.execPath, "--import", "tsx", CHILD];
  const [command, ...args] = PRLIMIT ? [PRLIMIT, `--data=${limits.memoryBytes}`, "--", ...node] : node;
  const child = spawn(command as string, args, {
    cwd: ROOT,
    env: { NODE_ENV: "production", CROWDTRAIN_EVAL_CHILD: "1", PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", (message: { type?: string }) =>
      message.type === "ready"
        ? resolve()
        : reject(new Error("the evaluation process said something else first")),
    );
    void exited.then(({ code, signal }) =>
      reject(new Error(`the evaluation process exited while starting (${signal ?? code}): ${stderr.trim()}`)),
    );
    child.once("error", reject);
  });
  ready.catch(() => {}); // observed by whoever uses this child
  return { process: child, ready, exited };
}

/** Resident memory of a process in bytes (Linux), or undefined when it cannot be read. */
async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, "utf8");
    return Number(statm.split(" ")[1]) * PAGE_SIZE;
  } catch {
    return undefined;
  }
}

export class Sandbox {
  private spare: Child | undefined;
  private closed = false;

  constructor(readonly limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS) {}

  /** Starts the waiting child now (otherwise the first run starts it); resolves once it is ready. */
  async warm(): Promise<void> {
    if (this.closed) return;
    this.spare ??= startChild(this.limits);
    await this.spare.ready.catch(() => {}); // a child that failed to start is replaced by the next run
  }

  /** Runs one evaluation in a fresh child; throws EvaluationFailure when the model is at fault. */
  async run(request: Omit<RunRequest, "type">): Promise<Extract<RunReply, { type: "done" }>> {
    if (this.closed) throw new Error("the sandbox is closed");
    const child = this.spare ?? startChild(this.limits);
    this.spare = undefined;
    await child.ready;

    const { memoryBytes, timeoutMs } = this.limits;
    let killedFor: "timeout" | "memory" | undefined;
    const kill = (why: "timeout" | "memory") => {
      killedFor ??= why;
      child.process.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill("timeout"), timeoutMs);
    const watch = setInterval(() => {
      const pid = child.process.pid;
      if (pid === undefined) return;
      void residentBytes(pid).then((bytes) => {
        if (bytes !== undefined && bytes > memoryBytes) kill("memory");
      });
    }, WATCH_MS);
    try {
      const reply = await new Promise<RunReply | undefined>((resolve) => {
        child.process.once("message", (message: RunReply) => resolve(message));
        void child.exited.then(() => resolve(undefined));
        child.process.send({ type: "run", ...request } satisfies RunRequest);
      });
      if (reply?.type === "done") return reply;
      if (reply?.type === "error") throw new EvaluationFailure(reply.code, reply.message);
      const { code, signal } = await child.exited;
      const limitMiB = Math.round(memoryBytes / 1024 ** 2);
      if (killedFor === "timeout") {
        throw new EvaluationFailure(
          "timeout",
          `the evaluation exceeded its time limit of ${timeoutMs / 1000} s`,
        );
      }
      if (killedFor === "memory") {
        throw new EvaluationFailure("memory", `the model used more than the ${limitMiB} MiB memory limit`);
      }
      throw new EvaluationFailure(
        "crash",
        `the evaluation process died (${signal ?? `exit code ${code}`}); a model that allocates past the ${limitMiB} MiB memory limit ends this way`,
      );
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
      void this.warm(); // the next run's child
    }
  }

  /** Stops the waiting child. */
  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      spare.process.kill("SIGKILL");
      await spare.exited;
    }
  }
}
