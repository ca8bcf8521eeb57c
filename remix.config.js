// REMIX_BUILD_DIR (default "build", inside the project so node_modules resolve)
// lets tests build and serve their own copy without clobbering a developer's.
const buildDir = process.env.REMIX_BUILD_DIR || "build";

/**
 * Remix 2, classic compiler. wagmi stays external to the server bundle (the
 * default): bundling it breaks on its zustand import (see ../shared/TOOLCHAIN.md).
 * Server-only modules outside app/ (server/, db/, jobs/) are bundled like app code.
 * @type {import('@remix-run/dev').AppConfig}
 */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  serverBuildPath: `${buildDir}/index.js`,
  assetsBuildDirectory: `${buildDir}/assets`,
  publicPath: "/build/",
  watchPaths: ["core/**/*", "server/**/*", "jobs/**/*", "db/**/*", "contracts/abi.ts"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
