import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a script that registers three steps (the second fails), then either finishes or waits for a signal. */
async function run(mode: "finish" | "wait", signal?: NodeJS.Signals) {
  const dir = mkdtempSync(path.join(tmpdir(), "cleanups-"));
  dirs.push(dir);
  const log = path.join(dir, "log");
  const script = path.join(dir, "script.mts");
  writeFileSync(
    script,
    `import { appendFileSync } from "node:fs";
import { Cleanups } from ${JSON.stringify(path.join(import.meta.dirname, "cleanups.ts"))};
const cleanups = new Cleanups((message) => appendFileSync(${JSON.stringify(log)}, message + "\\n"));
cleanups.add(() => appendFileSync(${JSON.stringify(log)}, "first\\n"));
cleanups.add(() => { throw new Error("second failed"); });
cleanups.add(async () => appendFileSync(${JSON.stringify(log)}, "third\\n"));
console.log("ready");
if (${JSON.stringify(mode)} === "finish") { await cleanups.run(); await cleanups.run(); }
else setInterval(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // Signalled once its steps are registered (or not at all, when it failed before).
  await Promise.race([new Promise((resolve) => child.stdout.once("data", resolve)), exited]);
  if (signal) child.kill(signal);
  const code = await exited;
  return { code, log: readFileSync(log, "utf8").trim().split("\n") };
}

describe("Cleanups", () => {
  it("runs every step once, last first, reporting a failing one and going on", async () => {
    expect(await run("finish")).toEqual({
      code: 0,
      log: ["third", "cleanup: second failed", "first"],
    });
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("cleans up and exits on %s", async (signal, code) => {
    expect(await run("wait", signal)).toEqual({
      code,
      log: ["third", "cleanup: second failed", "first"],
    });
  });
});
