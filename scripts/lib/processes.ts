/**
 * Child processes for `npm run dev` and the tests: each in its own process
 * group (so stopping it also stops what it spawned: tsx's node, remix-serve,
 * the real anvil binary behind its npm wrapper), output prefixed with its name,
 * stopped with SIGTERM and given a grace period to exit (the whole group, not
 * just its leader) before SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  exited: Promise<number | string>;
  /** The last lines it printed (at most 20), for error messages. */
  tail(): string[];
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called with every output line (stdout and stderr); default: print with a `[name]` prefix. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

const TAIL_LINES = 20;

export function startProcess(options: StartOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: (options.env ?? process.env) as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const onLine = options.onLine ?? ((line: string) => process.stderr.write(`[${options.name}] ${line}\n`));
  for (const stream of ["stdout", "stderr"] as const) {
    const source = child[stream];
    if (!source) continue;
    createInterface({ input: source }).on("line", (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      onLine(line, stream);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (error) => resolve(`spawn error: ${error.message}`));
  });
  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    child,
    exited,
    tail: () => [...lines],
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        const pid = child.pid;
        if (!pid) return;
        const deadline = Date.now() + graceMs;
        signalGroup(pid, "SIGTERM");
        // Wait for every process of the group, not only the leader: a wrapper (anvil's npm shim)
        // may exit at once while the real process is still writing its state to disk.
        while (groupAlive(pid) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        signalGroup(pid, "SIGKILL");
        await exited;
      })();
      return stopping;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Whether process `pid` exists (signal 0 tests without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group led by `pid` is left. */
function groupAlive(pid: number): boolean {
  return isAlive(-pid);
}

/**
 * Command and arguments to run a TypeScript entry point in one plain node
 * process (tsx as a loader). Unlike the `tsx` CLI, no wrapper process sits in
 * between to relay (and race on) SIGINT/SIGTERM.
 */
export function nodeTs(entry: string, ...args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", "tsx", entry, ...args] };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** A process whose exit means readiness will never come: fail at once, with its last output. */
  process?: ManagedProcess;
}

/**
 * Resolves once `check` succeeds, retrying every `intervalMs`. Rejects after
 * `timeoutMs` (even if a check hangs) with the last error, or as soon as
 * `process` exits.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 200, process: proc } = options;
  let lastError: unknown;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${what}: not ready after ${timeoutMs} ms (${(lastError as Error)?.message ?? "no answer"})`,
          ),
        ),
      timeoutMs,
    );
    proc?.exited.then((code) => {
      if (done) return;
      const output = proc.tail().join("\n");
      reject(
        new Error(`${what}: the process exited (${code}) before it was ready${output ? `:\n${output}` : ""}`),
      );
    });
  });
  const attempts = (async () => {
    while (!done) {
      try {
        return await check();
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    throw new Error("unreachable");
  })();
  try {
    return await Promise.race([attempts, failure]);
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

/**
 * True when nothing listens on host:port. An address family the host does not
 * have (IPv6 disabled) counts as free: nothing can be listening there.
 */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code !== "EADDRINUSE" && error.code !== "EACCES"),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now on loopback. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
