/**
 * The Remix app as a real server for tests: a production build in a directory
 * of the test's own (never the developer's build/), served by the web process (server/web.ts).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { freePort, type ManagedProcess, startProcess, waitFor } from "../../scripts/lib/processes.js";

const root = path.resolve(import.meta.dirname, "../..");

export interface WebBuild {
  dir: string;
  remove(): void;
}

export function buildWeb(label: string): WebBuild {
  const dir = `.cache/${label}-${process.pid}`;
  execFileSync(path.join(root, "node_modules/.bin/remix"), ["build"], {
    cwd: root,
    stdio: "ignore",
    env: { ...process.env, NODE_ENV: "production", REMIX_BUILD_DIR: dir },
  });
  return { dir, remove: () => rmSync(path.join(root, dir), { recursive: true, force: true }) };
}

export interface WebServer {
  server: ManagedProcess;
  url: string;
  lines: string[];
  /** The environment it was started with (to start a twin). */
  env: Record<string, string>;
}

/** Starts the web process on `options.port` or a free port; does not wait (see `webReady`). */
export async function serveWeb(
  build: WebBuild,
  env: Record<string, string>,
  options: { port?: number; nodeArgs?: string[] } = {},
): Promise<WebServer> {
  const port = options.port ?? (await freePort());
  const lines: string[] = [];
  const server = startProcess({
    name: "web",
    // Node flags (e.g. --cpu-prof) go before the entry.
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), "--import", "tsx", "server/web.ts", `${build.dir}/index.js`],
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      HEALTH_TIMEOUT_MS: "1500",
      // Production builds need it explicitly; the tests' browsers read the test chain.
      ...(env.RPC_URL && { PUBLIC_RPC_URL: env.RPC_URL }),
      ...env,
    },
    onLine: (line) => lines.push(line),
  });
  return { server, url: `http://127.0.0.1:${port}`, lines, env };
}

export async function webReady(web: WebServer) {
  await waitFor("web server", () => fetch(`${web.url}/healthz`), { process: web.server });
}

/**
 * GETs a page of `web`: its status and HTML, which may not hold a NUL byte (React 18 may pad its stream
 * with them: app/utils/fizz-padding.ts drops them).
 */
export async function fetchPage(web: WebServer, path: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${web.url}${path}`);
  const html = await response.text();
  if (html.includes("\0")) throw new Error(`a NUL byte in ${path}`);
  return { status: response.status, html };
}
