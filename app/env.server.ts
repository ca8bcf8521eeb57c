/** The web's view of the configuration (server/env.ts), behind `.server` so no route ships it to the browser. */
export { env, envOrExit, exitOnEnvError, publicEnv } from "../server/env.js";
