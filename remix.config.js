/**
 * Remix 2, classic compiler. wagmi stays external to the server bundle (the
 * default): bundling it breaks on its zustand import (see ../shared/TOOLCHAIN.md).
 * Server-only modules outside app/ (lib/, db/, jobs/) are bundled like app code.
 * @type {import('@remix-run/dev').AppConfig}
 */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  watchPaths: ["lib/**/*", "db/**/*", "contracts/abi.ts"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
