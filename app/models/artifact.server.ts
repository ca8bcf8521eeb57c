/**
 * The artifact store's names and errors (server/artifacts.ts) and the lease uploads (jobs/artifacts), for
 * the routes that serve and take artifacts.
 */
export {
  claimUpload,
  leaseUpload,
  UploadRefused,
  uploadFailed,
  uploadStored,
} from "../../jobs/artifacts/index.js";
export { ArtifactError, isSha256 } from "../../server/artifacts.js";
