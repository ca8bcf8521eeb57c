/**
 * `npm run contracts:deploy [-- --force]`: deploys the contracts to RPC_URL and
 * writes DEPLOYMENTS_DIR/<chainId>.json. Reuses a deployment that is still live
 * unless --force. The BountyBoard settings come from BOARD_ADMIN, DAO_ADDRESSES,
 * EVALUATOR_ADDRESSES, FEE_RECIPIENT and PLATFORM_FEE_BPS.
 */
import { boardDeployOptions, deployContracts } from "../jobs/deployments/index.js";
import { envOrExit, envSchema } from "../server/env.js";

const config = envOrExit(
  envSchema.pick({
    RPC_URL: true,
    DEPLOYMENTS_DIR: true,
    DEPLOYER_PRIVATE_KEY: true,
    BOARD_ADMIN: true,
    DAO_ADDRESSES: true,
    EVALUATOR_ADDRESSES: true,
    FEE_RECIPIENT: true,
    PLATFORM_FEE_BPS: true,
  }),
);

try {
  const result = await deployContracts({
    rpcUrl: config.RPC_URL,
    privateKey: config.DEPLOYER_PRIVATE_KEY as `0x${string}` | undefined,
    deploymentsDir: config.DEPLOYMENTS_DIR,
    ...boardDeployOptions(config),
    force: process.argv.includes("--force"),
    log: (message) => console.error(message),
  });
  process.stdout.write(`${JSON.stringify(result.deployment, null, 2)}\n`);
} catch (error) {
  console.error(`contracts:deploy failed: ${(error as Error).message}`);
  process.exit(1);
}
