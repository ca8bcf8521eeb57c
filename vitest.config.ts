import { defineConfig } from "vitest/config";

// Three projects: unit tests next to the code; integration and e2e tests under
// test/ (real anvil, Redis and PostgreSQL: one embedded PostgreSQL per run, or
// TEST_DATABASE_URL's server, see test/setup/postgres.ts).
// `npm test` runs them all; `npx vitest run --project unit` runs one.
export default defineConfig({
  test: {
    // Two test files at a time (Vitest's default here was one, on 2 cores): the integration and e2e files
    // spend much of their time waiting on chains, timers and child processes, so a second file fills those
    // waits. On the 2-core VM the whole run went from 963 s to 575 s (docs/development.md).
    maxWorkers: 2,
    setupFiles: ["test/setup/console.ts"],
    // ONNX Runtime's telemetry off in every test process, whatever imports it (ml/ort-telemetry-off.ts).
    env: { ORT_DISABLE_TELEMETRY: "1" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{app,core,server,db,jobs,scripts,ml,agent,bench}/**/*.test.{ts,tsx}"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/postgres.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/setup/postgres.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
