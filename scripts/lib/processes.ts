/**
 * Child processes for `npm run dev` and the tests: each in its own process
 * group (so stopping it also stops what it spawned, e.g. tsx's node or
 * remix-serve), output prefixed with its name, stopped with SIGTERM then
 * SIGKILL after a grace period.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  exited: Promise<number | string>;
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

export function startProcess(options: StartOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: (options.env ?? process.env) as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onLine = options.onLine ?? ((line: string) => process.stderr.write(`[${options.name}] ${line}\n`));
  for (const stream of ["stdout", "stderr"] as const) {
    const source = child[stream];
    if (source) createInterface({ input: source }).on("line", (line) => onLine(line, stream));
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
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
        signalGroup(child.pid, "SIGTERM");
        const timer = setTimeout(() => child.pid && signalGroup(child.pid, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
        // Anything the child left behind in its group goes too.
        signalGroup(child.pid, "SIGKILL");
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

/**
 * Command and arguments to run a TypeScript entry point in one plain node
 * process (tsx as a loader). Unlike the `tsx` CLI, no wrapper process sits in
 * between to relay (and race on) SIGINT/SIGTERM.
 */
export function nodeTs(entry: string, ...args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", "tsx", entry, ...args] };
}

/** Resolves once `check` succeeds, retrying every `intervalMs`; rejects with the last error after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T>,
  {
    timeoutMs = 30_000,
    intervalMs = 200,
    exited,
  }: { timeoutMs?: number; intervalMs?: number; exited?: Promise<unknown> } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let dead: unknown;
  exited?.then((code) => {
    dead = code;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (dead !== undefined)
      throw new Error(`${what}: the process exited (${String(dead)}) before it was ready`);
    try {
      return await check();
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `${what}: not ready after ${timeoutMs} ms (${(lastError as Error)?.message ?? "no answer"})`,
  );
}

/** True when nothing listens on host:port. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
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
