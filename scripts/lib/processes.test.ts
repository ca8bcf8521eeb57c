import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, isAlive, isPortFree, startProcess, waitFor } from "./processes.js";

describe("startProcess", () => {
  it("stops the whole process group, grandchildren included", async () => {
    const lines: string[] = [];
    // The shell starts a grandchild and reports its pid, then waits.
    const proc = startProcess({
      name: "tree",
      command: "sh",
      args: ["-c", "sleep 300 & echo grandchild=$!; wait"],
      onLine: (line) => lines.push(line),
    });
    const grandchild = await waitFor("grandchild pid", async () => {
      const line = lines.find((l) => l.startsWith("grandchild="));
      if (!line) throw new Error("not yet");
      return Number(line.split("=")[1]);
    });
    expect(isAlive(grandchild)).toBe(true);
    await proc.stop(2_000);
    await waitFor("grandchild gone", async () => {
      if (isAlive(grandchild)) throw new Error("still alive");
    });
    expect(isAlive(grandchild)).toBe(false);
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    const proc = startProcess({
      name: "stubborn",
      command: "sh",
      args: ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"],
      onLine: () => {},
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await proc.stop(300);
    expect(await proc.exited).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("stop", () => {
  it("waits for the whole group, not just a leader that exits at once (anvil's npm wrapper)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ct-stop-"));
    const marker = path.join(dir, "flushed");
    // The leader exits on SIGTERM right away; its child needs 300 ms to flush its state on SIGTERM.
    const inner = `trap 'sleep 0.3; echo flushed > ${marker}; exit 0' TERM; echo ready; while :; do sleep 0.05; done`;
    const lines: string[] = [];
    const proc = startProcess({
      name: "wrapper",
      command: "sh",
      args: ["-c", `sh -c "${inner}" & wait`],
      onLine: (line) => lines.push(line),
    });
    await waitFor("inner ready", async () => {
      if (!lines.includes("ready")) throw new Error("not yet");
    });
    await proc.stop(5_000);
    expect(readFileSync(marker, "utf8").trim()).toBe("flushed");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("waitFor", () => {
  it("times out even when a check never settles", async () => {
    await expect(
      waitFor("hang", () => new Promise(() => {}), { timeoutMs: 200, intervalMs: 50 }),
    ).rejects.toThrow(/hang: not ready after 200 ms/);
  });

  it("fails early, naming the process, when it exits before it is ready", async () => {
    const proc = startProcess({ name: "quitter", command: "sh", args: ["-c", "exit 3"], onLine: () => {} });
    await expect(
      waitFor("quitter", () => Promise.reject(new Error("not ready")), { process: proc }),
    ).rejects.toThrow(/quitter: the process exited \(3\)/);
  });

  it("includes what the process printed when it exits early", async () => {
    const proc = startProcess({
      name: "talker",
      command: "sh",
      args: ["-c", "echo 'config: bad port' >&2; exit 1"],
      onLine: () => {},
    });
    await expect(
      waitFor("talker", () => Promise.reject(new Error("not ready")), { process: proc }),
    ).rejects.toThrow(/talker: the process exited \(1\) before it was ready:\nconfig: bad port/);
  });

  it("reports the last error on timeout", async () => {
    await expect(
      waitFor("never", () => Promise.reject(new Error("refused")), { timeoutMs: 300, intervalMs: 50 }),
    ).rejects.toThrow(/never: not ready after 300 ms \(refused\)/);
  });
});

describe("ports", () => {
  it("tells a taken port from a free one", async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    const server = createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    expect(await isPortFree(port)).toBe(false);
    await new Promise((resolve) => server.close(resolve));
  });
});
