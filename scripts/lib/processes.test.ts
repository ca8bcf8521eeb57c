import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, isPortFree, startProcess, waitFor } from "./processes.js";

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    expect(alive(grandchild)).toBe(true);
    await proc.stop(2_000);
    await waitFor("grandchild gone", async () => {
      if (alive(grandchild)) throw new Error("still alive");
    });
    expect(alive(grandchild)).toBe(false);
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

describe("waitFor", () => {
  it("fails early, naming the process, when it exits before it is ready", async () => {
    const proc = startProcess({ name: "quitter", command: "sh", args: ["-c", "exit 3"], onLine: () => {} });
    await expect(
      waitFor("quitter", () => Promise.reject(new Error("not ready")), { exited: proc.exited }),
    ).rejects.toThrow(/quitter: the process exited \(3\)/);
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
