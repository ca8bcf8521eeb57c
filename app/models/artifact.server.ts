/** The artifact store's names and errors (server/artifacts.ts), for the routes that serve and take artifacts. */
export { ArtifactError, isSha256 } from "../../server/artifacts.js";
