/** The contracts the platform knows (jobs/deployments), for loaders. */
export { knownDeployments, platformContracts } from "../../jobs/deployments/index.js";
