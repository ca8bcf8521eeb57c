#!/usr/bin/env node
import { readFileSync } from "node:fs";
// Builds the pool agent to plain JavaScript (dist/cli.js): its own code and the core/ and ml/ code it uses
// are bundled; packages stay imports, and each must be one of this package's dependencies (checked here,
// so the published package never misses one).
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(here, "package.json"), "utf8"));
const declared = new Set(Object.keys(pkg.dependencies ?? {}));

const result = await build({
  entryPoints: [path.join(here, "cli.ts")],
  outfile: path.join(here, "dist/cli.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  metafile: true,
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});

const packageOf = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
const builtins = new Set(builtinModules);
const missing = new Set();
for (const input of Object.values(result.metafile.inputs)) {
  for (const imported of input.imports) {
    if (!imported.external) continue;
    const name = packageOf(imported.path);
    if (imported.path.startsWith("node:") || builtins.has(name)) continue;
    if (!declared.has(name)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(`agent/package.json lacks dependencies the agent imports: ${[...missing].sort().join(", ")}`);
  process.exit(1);
}
console.error(`built ${path.relative(process.cwd(), path.join(here, "dist/cli.js"))}`);
