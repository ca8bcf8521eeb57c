/**
 * The command trainer: runs a real (GPU) trainer as a child process from a
 * command template (agent/trainers/template.ts), e.g.
 * `python train.py --spec {spec} --out {out}`.
 *
 * The contract with the program (agent/README.md):
 * - `{spec}` is the bounty spec as JSON in the lease's work dir, `{out}` the
 *   path the program writes the ONNX checkpoint to, `{workdir}` that directory
 *   (also the program's cwd), `{bounty}` the bounty id. The same values are in
 *   the environment as CROWDTRAIN_SPEC, CROWDTRAIN_OUT, CROWDTRAIN_WORKDIR,
 *   CROWDTRAIN_BOUNTY (and CROWDTRAIN_SEED with --seed).
 * - For a built-in text data set (`builtin:hindi`) the training split is
 *   written to the work dir, its path in CROWDTRAIN_DATA (training-data.ts).
 * - Each stdout line that is a JSON object with a numeric `percent` (and
 *   optionally `step`, `loss`) is progress; every other line is logged.
 * - Exit 0 with a non-empty `{out}` file: success. Anything else fails the
 *   lease (retryable) with the last stderr lines as the reason.
 * - On abort the program's whole process group gets SIGTERM, then SIGKILL after
 *   a grace period.
 *
 * No shell is involved. The program runs in its own process group (POSIX).
 * The agent's secrets (POOL_TOKEN, TRAINER_PRIVATE_KEY) are removed from its
 * environment.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { LeaseFailure } from "../util.js";
import { type PlaceholderValues, renderCommand, splitCommandTemplate } from "./template.js";
import { writeTrainingText } from "./training-data.js";
import type { Progress, Trainer } from "./types.js";

export interface CommandTrainerOptions {
  /** The command template; validated (split) at once, so a bad template throws here. */
  template: string;
  /** Between SIGTERM and SIGKILL on abort (default 2000 ms). */
  killGraceMs?: number;
  /** How many trailing stderr lines a failure reports (default 20). */
  stderrLines?: number;
  /** The child's base environment (default process.env); secrets are always removed. */
  env?: NodeJS.ProcessEnv;
}

/** Environment variables never passed to the trainer program. */
export const SECRET_ENV = ["POOL_TOKEN", "TRAINER_PRIVATE_KEY"] as const;

/** The file names inside a lease's work dir. */
export const SPEC_FILE = "spec.json";
export const OUT_FILE = "model.onnx";

/** Progress from one line of the program's stdout, or undefined when the line is not progress. */
export function parseProgressLine(line: string): Progress | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { percent, step, loss } = value as Record<string, unknown>;
  if (typeof percent !== "number" || !Number.isFinite(percent)) return undefined;
  const progress: Progress = { percent };
  if (typeof step === "number" && Number.isFinite(step)) progress.step = step;
  if (typeof loss === "number" && Number.isFinite(loss)) progress.loss = loss;
  return progress;
}

export function createCommandTrainer(options: CommandTrainerOptions): Trainer {
  const words = splitCommandTemplate(options.template);
  const killGraceMs = options.killGraceMs ?? 2_000;
  const keepStderr = options.stderrLines ?? 20;
  const baseEnv = options.env ?? process.env;

  return {
    kind: "command",
    async train({ lease, spec, workDir, signal, onProgress, logger, seed }) {
      signal.throwIfAborted();
      const values: PlaceholderValues = {
        spec: path.join(workDir, SPEC_FILE),
        out: path.join(workDir, OUT_FILE),
        workdir: workDir,
        bounty: lease.bounty.bountyId,
      };
      await writeFile(values.spec, `${JSON.stringify(lease.spec, null, 2)}\n`);
      const data = await writeTrainingText(spec, workDir);
      const argv = renderCommand(words, values);
      const [program, ...args] = argv as [string, ...string[]];

      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        CROWDTRAIN_SPEC: values.spec,
        CROWDTRAIN_OUT: values.out,
        CROWDTRAIN_WORKDIR: values.workdir,
        CROWDTRAIN_BOUNTY: values.bounty,
        CROWDTRAIN_LEASE: lease.leaseId,
        ...(seed === undefined ? {} : { CROWDTRAIN_SEED: String(seed) }),
      };
      // Only the agent says where the training text is, never an inherited variable.
      if (data === undefined) delete env.CROWDTRAIN_DATA;
      else env.CROWDTRAIN_DATA = data;
      for (const name of SECRET_ENV) delete env[name];

      const child = spawn(program, args, {
        cwd: workDir,
        env,
        // Its own process group, so an abort reaches the program's children too.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      logger.info(
        { event: "trainer.start", trainer: "command", argv, pid: child.pid },
        "trainer process started",
      );

      const killGroup = (sig: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, sig);
        } catch {
          // ESRCH: the group is gone already.
        }
      };

      let exited = false;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (exited) return;
        logger.info(
          { event: "trainer.kill", pid: child.pid, signal: "SIGTERM" },
          "stopping the trainer process",
        );
        killGroup("SIGTERM");
        killTimer = setTimeout(() => {
          logger.warn(
            { event: "trainer.kill", pid: child.pid, signal: "SIGKILL" },
            "trainer ignored SIGTERM",
          );
          killGroup("SIGKILL");
        }, killGraceMs);
        killTimer.unref();
      };
      signal.addEventListener("abort", onAbort, { once: true });

      const stderrTail: string[] = [];
      const stdoutLines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      const stderrLines = createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY });
      stdoutLines.on("line", (line) => {
        const progress = parseProgressLine(line);
        if (progress) {
          onProgress(progress);
        } else if (line.trim() !== "") {
          logger.info({ event: "trainer.stdout", line }, "trainer output");
        }
      });
      stderrLines.on("line", (line) => {
        if (line.trim() === "") return;
        stderrTail.push(line);
        if (stderrTail.length > keepStderr) stderrTail.shift();
        logger.info({ event: "trainer.stderr", line }, "trainer output");
      });
      const outputDone = Promise.all([
        new Promise<void>((resolve) => stdoutLines.once("close", resolve)),
        new Promise<void>((resolve) => stderrLines.once("close", resolve)),
      ]);

      let result: { code: number | null; signal: NodeJS.Signals | null };
      try {
        result = await new Promise((resolve, reject) => {
          child.once("error", reject);
          child.once("exit", (code, sig) => resolve({ code, signal: sig }));
        });
      } catch (error) {
        throw new LeaseFailure(
          `cannot start the trainer program ${JSON.stringify(program)}: ${(error as Error).message}`,
          true,
          { cause: error },
        );
      } finally {
        exited = true;
        signal.removeEventListener("abort", onAbort);
        if (killTimer) clearTimeout(killTimer);
      }
      // Reap anything the program left behind in its group, then let the pipes drain.
      killGroup("SIGKILL");
      await Promise.race([outputDone, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      logger.info({ event: "trainer.exit", pid: child.pid, ...result }, "trainer process exited");

      if (signal.aborted) throw signal.reason;
      if (result.code !== 0) {
        const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
        const tail = stderrTail.length > 0 ? `: ${stderrTail.join("\n")}` : " (no stderr output)";
        throw new LeaseFailure(`the trainer program ${how}${tail}`, true);
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(values.out);
      } catch {
        throw new LeaseFailure(`the trainer program exited 0 but wrote no checkpoint at ${values.out}`, true);
      }
      if (bytes.length === 0) {
        throw new LeaseFailure(`the trainer program wrote an empty checkpoint at ${values.out}`, true);
      }
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
