/**
 * The import rules of docs/architecture.md ("Layout"), checked by `npm run lint`.
 * Imports point down: app, scripts, bench → jobs → server, db, ml → core → packages.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const npm = "^node_modules/";
const abi = "^contracts/abi\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment:
        "core/ is browser- and agent-safe: only core/, the generated ABIs and packages, no node: builtins.",
      severity: "error",
      from: { path: "^core/" },
      to: { pathNot: ["^core/", abi, npm] },
    },
    {
      name: "core-no-builtins",
      comment: "core/ runs in the browser and the agent: no Node builtins.",
      severity: "error",
      from: { path: "^core/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "server-knows-no-domain",
      comment: "server/ is infrastructure shared by every server process; it knows nothing of bounties.",
      severity: "error",
      from: { path: "^server/" },
      to: { pathNot: ["^server/", "^core/", abi, npm], dependencyTypesNot: ["core"] },
    },
    {
      name: "ml-below-jobs",
      comment: "ml/ is pure compute: it may import core/ (and itself) only.",
      severity: "error",
      from: { path: "^ml/" },
      to: { pathNot: ["^ml/", "^core/", abi, npm], dependencyTypesNot: ["core"] },
    },
    {
      name: "db-below-jobs",
      comment: "db/ may import core/ and server/ (its configuration and logger), never a domain.",
      severity: "error",
      from: { path: "^db/" },
      to: { pathNot: ["^db/", "^core/", "^server/", abi, npm], dependencyTypesNot: ["core"] },
    },
    {
      name: "jobs-below-entries",
      comment:
        "jobs/ may import server/, db/, ml/, core/ and the ABIs, never app/, scripts/, bench/ or test/.",
      severity: "error",
      from: { path: "^jobs/", pathNot: "\\.test\\.ts$" },
      to: {
        pathNot: ["^jobs/", "^server/", "^db/", "^ml/", "^core/", abi, npm],
        dependencyTypesNot: ["core"],
      },
    },
    {
      name: "domain-through-index",
      comment: "A domain is entered only through its index.ts (tests may reach inside).",
      severity: "error",
      from: { path: "^jobs/([^/]+)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^jobs/[^/]+/", pathNot: ["^jobs/$1/", "^jobs/[^/]+/index\\.ts$"] },
    },
    {
      name: "outside-through-index",
      comment: "Code outside jobs/ enters a domain only through its index.ts (tests may reach inside).",
      severity: "error",
      from: { pathNot: ["^jobs/", "^test/", "\\.test\\.tsx?$"] },
      to: { path: "^jobs/[^/]+/", pathNot: "^jobs/[^/]+/index\\.ts$" },
    },
    {
      name: "agent-is-standalone",
      comment: "The pool agent ships on its own: it imports core/ and ml/ only.",
      severity: "error",
      from: { path: "^agent/" },
      to: { pathNot: ["^agent/", "^core/", "^ml/", npm], dependencyTypesNot: ["core"] },
    },
    {
      name: "browser-code-stays-off-the-server",
      comment:
        "Route and component modules reach server/, db/ and jobs/ through app/**/*.server.ts adapters only, so the browser bundle never pulls them in (type-only imports are erased).",
      severity: "error",
      from: { path: "^app/", pathNot: "\\.server\\.tsx?$" },
      to: { path: "^(server|db|jobs)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "nothing-imports-app",
      severity: "error",
      from: { pathNot: ["^app/", "^test/"] },
      to: { path: "^app/" },
    },
    {
      name: "nothing-imports-bench-or-test",
      comment: "Unit tests next to the code may use test/setup's fixtures.",
      severity: "error",
      from: { pathNot: ["^bench/", "^test/", "\\.test\\.tsx?$"] },
      to: { path: "^(bench|test)/" },
    },
    {
      name: "nothing-imports-process-entries",
      comment: "Process entries start processes; libraries hold the code they run.",
      severity: "error",
      from: { pathNot: "^agent/bin\\.mjs$" },
      to: {
        path: [
          "^jobs/(worker|indexer-process)\\.ts$",
          "^server/web\\.ts$",
          "^jobs/evaluation/child-entry\\.ts$",
          "^db/postgres-server\\.ts$",
          "^scripts/[^/]+\\.ts$",
          "^agent/cli\\.ts$",
        ],
      },
    },
    {
      name: "server-suffix-only-in-app",
      comment:
        "`.server.ts` tells Remix to keep a module out of the browser bundle; it means nothing outside app/.",
      severity: "error",
      from: { path: "^(?!app/).+\\.server\\.tsx?$" },
      to: {},
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: {
      path: ["^build/", "^agent/dist/", "^contracts/(lib|out|cache)/", "^node_modules/", "^\\.data/"],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
