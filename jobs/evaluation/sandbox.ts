/**
 * Runs evaluations in a sealed, limited child process (jobs/evaluation/child-entry.ts, running child.ts).
 * docs/decisions/015-sealed-evaluator.md says what it protects against and what
 * it does not.
 *
 * - Sealed (isolation "bwrap", the default): the child runs under bubblewrap in
 *   new user, mount, pid, network, ipc and uts namespaces. Its file system is
 *   /usr read-only (the system's libraries and node), its own bundle and
 *   onnxruntime read-only under /opt/crowdtrain, and an empty private tmpfs as
 *   its working directory: no /proc, no /dev, no /etc, no project, artifact or
 *   data directory, no network. Its environment is empty.
 * - Inputs: the child never opens a path. The checkpoint's bytes arrive on its
 *   stdin, the eval set's on fd 4 (pipes the parent writes, streaming), after
 *   a request on the IPC channel.
 * - The child is one bundle (esbuild, built once per process into a private
 *   0700 temporary directory) with onnxruntime-node as its only outside module,
 *   so it needs nothing of the project's tree at run time.
 * - Memory: the child starts under `prlimit --data` (RLIMIT_DATA: its heap and
 *   anonymous mappings, where onnxruntime allocates) and a V8 heap limit; the
 *   resident size of its process tree is also watched and killed past the limit.
 * - Time: the child is killed when a run exceeds `timeoutMs`.
 * - Start-up: one child is started ahead of need and waits, onnxruntime loaded,
 *   so a run does not pay Node's and onnxruntime's start-up (about 0.15 s).
 *   The next one starts when a run ends, not during it, so the two never
 *   compete for the CPU. A child serves one run and exits: no state survives
 *   from one model to the next.
 *
 * Isolation "none" (EVAL_ISOLATION=none) runs the same bundle without the
 * namespaces, in an empty temporary directory with an empty environment: for a
 * development machine without bubblewrap only. It does not keep a hostile model
 * from reading files the platform's user can read.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { BountySpec } from "../../core/spec.js";
import { PIPE_CHUNK, type RunDone, type RunReply, type RunRequest } from "./child.js";
import { FINGERPRINT_SIZE } from "./fingerprint.js";
import type { ModelLimits } from "./validate.js";

export type Isolation = "bwrap" | "none";

export interface SandboxLimits {
  /** Memory the child may allocate, in bytes. */
  memoryBytes: number;
  /** Wall time of one run (receiving, validation, model load, inference, checks, scoring), in ms. */
  timeoutMs: number;
  /** How the child is sealed (see the module comment); default "bwrap". */
  isolation?: Isolation;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 2 * 1024 ** 3, timeoutMs: 10 * 60_000 };

export type SandboxFailureCode = Extract<RunReply, { type: "error" }>["code"] | "timeout" | "crash";

/** Why a run produced no score: the checkpoint's fault (validation, load, run, output, memory, timeout...) or the eval set's. */
export class EvaluationFailure extends Error {
  constructor(
    readonly code: SandboxFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "EvaluationFailure";
  }
}

/** The sandbox cannot run at all on this machine (bubblewrap missing or not permitted): an operator's problem. */
export class SandboxUnavailable extends Error {
  override readonly name = "SandboxUnavailable";
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD_SOURCE = path.join(HERE, "child-entry.ts");
const PRLIMIT = spawnSync("prlimit", ["--version"]).status === 0 ? "prlimit" : undefined;
const PAGE_SIZE = 4_096;
const WATCH_MS = 50;
/** Where the sealed child sees its bundle and onnxruntime. */
const SEALED_DIR = "/opt/crowdtrain";
const SEALED_CWD = "/sandbox";

/* ------------------------------------------------------------------------ */
/* The child's bundle and what it needs at run time                          */
/* ------------------------------------------------------------------------ */

/** A package's root directory, found through its public entry point. */
function packageRoot(name: string, from: string): string {
  const entry = createRequire(from).resolve(name);
  let dir = path.dirname(entry);
  while (
    path.basename(dir) !== name.split("/").pop() ||
    path.basename(path.dirname(dir)) !== "node_modules"
  ) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${name} from ${entry}`);
    dir = parent;
  }
  return dir;
}

export interface ChildRuntime {
  /** The bundle (CommonJS), in this process's private temporary directory. */
  bundle: string;
  /** Packages the bundle requires at run time, by name: their directories. */
  packages: Record<string, string>;
}

let runtime: Promise<ChildRuntime> | undefined;

/** Builds the child's bundle once per process (esbuild), and finds onnxruntime's packages. */
export function childRuntime(): Promise<ChildRuntime> {
  runtime ??= (async () => {
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      entryPoints: [CHILD_SOURCE],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["onnxruntime-node"],
      define: { "process.env.CROWDTRAIN_EVAL_CHILD": '"1"' },
      write: false,
      logLevel: "silent",
      legalComments: "none",
    });
    const code = result.outputFiles[0]?.contents;
    if (!code) throw new Error("esbuild produced no bundle for the evaluation child");
    // A private directory (mode 0700) of this process: no other user can plant or swap the bundle, as
    // one could in a shared, predictably named one. Removed when the process exits.
    const dir = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-eval-child-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bundle = path.join(dir, "child.cjs");
    await writeFile(bundle, code, { mode: 0o444, flag: "wx" });
    const ortRoot = packageRoot("onnxruntime-node", import.meta.url);
    const commonRoot = packageRoot("onnxruntime-common", path.join(ortRoot, "package.json"));
    return { bundle, packages: { "onnxruntime-node": ortRoot, "onnxruntime-common": commonRoot } };
  })();
  runtime.catch(() => {
    runtime = undefined; // the next run tries again
  });
  return runtime;
}

/** bubblewrap's arguments for a process that sees only the system's /usr and node. */
function baseBwrapArgs(): string[] {
  // No --new-session: the child is spawned detached (a new session and process group, no terminal),
  // so that killing its group reaches bwrap's inner processes too.
  const args = ["--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr"];
  // Debian's merged /usr: /lib, /lib64 and /bin are links into it.
  for (const link of ["lib", "lib64", "bin"]) args.push("--symlink", `usr/${link}`, `/${link}`);
  // node itself, if it lives outside /usr (nvm, a tarball install): its directory, read-only.
  const nodeDir = path.dirname(process.execPath);
  if (!nodeDir.startsWith("/usr/")) args.push("--ro-bind", nodeDir, nodeDir);
  return args;
}

/** bubblewrap's arguments for a sealed child (see the module comment); exported for its tests. */
export function bwrapArgs(rt: ChildRuntime): string[] {
  const args = baseBwrapArgs();
  args.push("--tmpfs", SEALED_CWD, "--chdir", SEALED_CWD);
  args.push("--ro-bind", rt.bundle, `${SEALED_DIR}/child.cjs`);
  for (const [name, dir] of Object.entries(rt.packages)) {
    args.push("--ro-bind", dir, `${SEALED_DIR}/node_modules/${name}`);
  }
  // The root itself read-only too: only the private working directory can be written.
  args.push("--remount-ro", "/");
  return args;
}

let bwrapChecked: Promise<void> | undefined;

/** Checks once that bubblewrap can make a sandbox here; a clear error otherwise. */
function checkBwrap(): Promise<void> {
  bwrapChecked ??= new Promise<void>((resolve, reject) => {
    const probe = spawn("bwrap", [...baseBwrapArgs(), "--", process.execPath, "-e", ""], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    probe.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new SandboxUnavailable(
          error.code === "ENOENT"
            ? "bubblewrap (bwrap) is not installed: it seals the evaluation child. Install it (apt-get install bubblewrap), " +
                "or on a development machine only, set EVAL_ISOLATION=none"
            : `bubblewrap cannot start: ${error.message}`,
        ),
      ),
    );
    probe.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new SandboxUnavailable(
              `bubblewrap cannot create a sandbox here (exit ${code}: ${stderr.trim().slice(0, 300)}); ` +
                "unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1), " +
                "or on a development machine only, set EVAL_ISOLATION=none",
            ),
          ),
    );
  });
  bwrapChecked.catch(() => {
    bwrapChecked = undefined;
  });
  return bwrapChecked;
}

/* ------------------------------------------------------------------------ */
/* Children                                                                  */
/* ------------------------------------------------------------------------ */

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  /** The private working directory of an unsealed child, removed when it exits. */
  cleanup: () => Promise<void>;
}

async function startChild(limits: SandboxLimits): Promise<Child> {
  const isolation = limits.isolation ?? "bwrap";
  const rt = await childRuntime();
  if (isolation === "bwrap") await checkBwrap();
  const heapMiB = Math.max(64, Math.floor(limits.memoryBytes / 1024 ** 2 / 2));
  const nodeArgs = [`--max-old-space-size=${heapMiB}`];
  let command: string[];
  let cwd: string | undefined;
  if (isolation === "bwrap") {
    command = ["bwrap", ...bwrapArgs(rt), process.execPath, ...nodeArgs, `${SEALED_DIR}/child.cjs`];
  } else {
    // Unsealed: the same bundle beside its packages in a private directory, started there.
    cwd = await mkdtemp(path.join(os.tmpdir(), "crowdtrain-eval-"));
    await writeFile(path.join(cwd, "child.cjs"), await readFile(rt.bundle));
    await mkdir(path.join(cwd, "node_modules"));
    for (const [name, dir] of Object.entries(rt.packages)) {
      await symlink(dir, path.join(cwd, "node_modules", name), "dir");
    }
    command = [process.execPath, ...nodeArgs, path.join(cwd, "child.cjs")];
  }
  if (PRLIMIT) command = [PRLIMIT, `--data=${limits.memoryBytes}`, "--", ...command];
  const [file, ...args] = command;
  const child = spawn(file as string, args, {
    ...(cwd && { cwd }),
    // No keys, no database URL, no paths (node adds only its IPC channel's fd); only the switch that
    // keeps onnxruntime's telemetry off (ml/ort-telemetry-off.ts; the child has no network anyway).
    env: { ORT_DISABLE_TELEMETRY: "1" } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "ignore", "pipe", "ipc", "pipe"],
    serialization: "advanced",
    // Its own session and process group: killGroup reaches every process bwrap starts, even one that
    // a kill of bwrap alone would orphan (--die-with-parent races a kill right after the spawn).
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  // A child that dies early closes its pipes: writes then fail with EPIPE, which the run reports.
  child.stdin?.on("error", () => {});
  child.stdio[4]?.on("error", () => {});
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
  const cleanup = async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  };
  void exited.then(cleanup);
  return { process: child, ready, exited, stderr: () => stderr, cleanup };
}

/**
 * Kills a child's whole process group, then lets go of its pipes and IPC channel, so that nothing
 * it leaves keeps this process alive.
 */
function killGroup(child: Child): void {
  const pid = child.process.pid;
  try {
    if (pid !== undefined) process.kill(-pid, "SIGKILL");
  } catch {
    child.process.kill("SIGKILL"); // the group is gone already, or was never made
  }
  if (child.process.connected) child.process.disconnect();
  for (const stream of child.process.stdio) stream?.destroy();
}

/** Resident memory of a process and all its descendants in bytes (Linux), or undefined when unreadable. */
async function treeResidentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, "utf8");
    let total = Number(statm.split(" ")[1]) * PAGE_SIZE;
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const children = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
      for (const child of children.split(" ").filter(Boolean)) {
        total += (await treeResidentBytes(Number(child))) ?? 0;
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** What a run evaluates: the spec, the checkpoint's bytes, and the eval set's file and committed sha256. */
export interface SandboxRun {
  spec: BountySpec;
  batchSize: number;
  limits: ModelLimits;
  model: Uint8Array;
  evalSetPath: string;
  evalSetSha256: string;
}

const V8_OOM = /heap out of memory|Reached heap limit|Allocation failed/i;

/**
 * The shape of a child's answer. The child is walled off, but it runs hostile input: the worker
 * trusts no field of its answer it has not checked (a fingerprint is compared with every later
 * submission's, so its size is bounded too).
 */
const finite = z.number().finite();
const runDoneSchema = z.object({
  type: z.literal("done"),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  model: z.object({
    bytes: z.number().int().min(0),
    irVersion: finite,
    opset: z.number().int(),
    nodes: z.number().int().min(0),
    initializerBytes: z.number().min(0),
    ops: z.array(z.string().max(128)).max(1_000),
    fixed: z.object({
      batch: z.number().int().min(1).optional(),
      sequence: z.number().int().min(1).optional(),
    }),
  }),
  result: z.object({
    samples: z.number().int().min(0),
    values: z.record(z.string().max(64), finite),
    tokens: z.number().int().min(0).optional(),
  }),
  fingerprint: z.array(finite).max(FINGERPRINT_SIZE + 16),
  checks: z.array(z.string().max(64)).max(16),
  timings: z.record(z.string().max(64), finite),
  batches: z.number().int().min(0),
});
const errorReplySchema = z.object({
  type: z.literal("error"),
  code: z.string().max(64),
  message: z.string().max(2_000),
});

export class Sandbox {
  private spare: Promise<Child> | undefined;
  private closed = false;

  constructor(readonly limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS) {}

  /** Starts the waiting child now (otherwise the first run starts it); resolves once it is ready. */
  async warm(): Promise<void> {
    if (this.closed) return;
    this.spare ??= startChild(this.limits);
    this.spare.catch(() => {});
    await this.spare.then((child) => child.ready).catch(() => {}); // a failed start is retried by the next run
  }

  /**
   * Runs one evaluation in a fresh child; throws EvaluationFailure when the model (or, code `eval_set`,
   * the eval set) is at fault, SandboxUnavailable when no sandbox can be made here.
   */
  async run(request: SandboxRun): Promise<RunDone> {
    if (this.closed) throw new Error("the sandbox is closed");
    const starting = this.spare ?? startChild(this.limits);
    this.spare = undefined;
    const child = await starting;
    try {
      await child.ready;
    } catch (error) {
      killGroup(child);
      throw error;
    }

    const { memoryBytes, timeoutMs } = this.limits;
    const evalSetBytes = (await stat(request.evalSetPath)).size;
    let killedFor: "timeout" | "memory" | undefined;
    const kill = (why: "timeout" | "memory") => {
      killedFor ??= why;
      killGroup(child);
    };
    const timer = setTimeout(() => kill("timeout"), timeoutMs);
    const watch = setInterval(() => {
      const pid = child.process.pid;
      if (pid === undefined) return;
      void treeResidentBytes(pid).then((bytes) => {
        if (bytes !== undefined && bytes > memoryBytes) kill("memory");
      });
    }, WATCH_MS);
    try {
      const reply = await new Promise<RunReply | undefined>((resolve) => {
        child.process.once("message", (message: RunReply) => resolve(message));
        void child.exited.then(() => resolve(undefined));
        child.process.send({
          type: "run",
          spec: request.spec,
          batchSize: request.batchSize,
          limits: request.limits,
          modelBytes: request.model.length,
          evalSetBytes,
          evalSetSha256: request.evalSetSha256,
          threads: os.availableParallelism(),
        } satisfies RunRequest);
        // Streamed: the worker never holds the eval set, and never blocks on a large write.
        child.process.stdin?.end(request.model);
        // The eval set is hashed here as it streams (1 MiB a turn), and the child told its sha256 at
        // the end: this process, not the one running the model, vouches for the bytes.
        const evalSetPipe = child.process.stdio[4] as NodeJS.WritableStream | null;
        if (evalSetPipe) {
          const hash = createHash("sha256");
          createReadStream(request.evalSetPath, { highWaterMark: PIPE_CHUNK })
            .on("error", () => {})
            .on("data", (chunk) => hash.update(chunk))
            .on("end", () => {
              if (child.process.connected) {
                child.process.send({ type: "evalSetChecked", sha256: hash.digest("hex") }, () => {});
              }
            })
            .pipe(evalSetPipe);
        }
      });
      if (reply !== undefined) {
        const done = runDoneSchema.safeParse(reply);
        if (done.success) return done.data as RunDone;
        const error = errorReplySchema.safeParse(reply);
        if (error.success)
          throw new EvaluationFailure(error.data.code as SandboxFailureCode, error.data.message);
        throw new EvaluationFailure("crash", "the evaluation process answered something malformed");
      }
      const { code, signal } = await child.exited;
      const limitMiB = Math.round(memoryBytes / 1024 ** 2);
      if (killedFor === "timeout") {
        throw new EvaluationFailure(
          "timeout",
          `the evaluation exceeded its time limit of ${timeoutMs / 1000} s`,
        );
      }
      if (killedFor === "memory" || V8_OOM.test(child.stderr())) {
        throw new EvaluationFailure("memory", `the model needed more than the ${limitMiB} MiB memory limit`);
      }
      throw new EvaluationFailure(
        "crash",
        `the evaluation process died (${signal ?? `exit code ${code}`}); a model that allocates past the ${limitMiB} MiB memory limit ends this way`,
      );
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
      killGroup(child);
      void this.warm(); // the next run's child
    }
  }

  /** Stops the waiting child. */
  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    const child = await spare?.catch(() => undefined);
    if (child) {
      killGroup(child);
      await child.exited;
      await child.cleanup();
    }
  }
}
