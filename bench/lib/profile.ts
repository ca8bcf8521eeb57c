import path from "node:path";

/**
 * With BENCH_CPU_PROF=<dir>, the served process runs under `node --cpu-prof` and writes its CPU profile
 * into <dir> when the bench stops it (open it in Chrome DevTools); otherwise no extra Node flags.
 */
export function cpuProfileOptions(): { nodeArgs?: string[] } {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  return {
    nodeArgs: [
      "--cpu-prof",
      `--cpu-prof-dir=${path.resolve(dir)}`,
      "-r",
      path.join(import.meta.dirname, "exit-on-signal.cjs"),
    ],
  };
}
