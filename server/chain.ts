/**
 * Chain access for servers and workers: a viem public client over RPC_URL, and
 * the deployment file (contract addresses per chain) that `npm run dev` and the
 * deploy script write.
 */
import { readFile } from "node:fs/promises";
import { type Address, createPublicClient, getAddress, http, type PublicClient, webSocket } from "viem";
import { z } from "zod";
import { deploymentFile, type Env } from "./env.js";

export function createChainClient(rpcUrl: string, timeoutMs = 10_000): PublicClient {
  const transport = rpcUrl.startsWith("ws")
    ? webSocket(rpcUrl, { timeout: timeoutMs })
    : http(rpcUrl, { timeout: timeoutMs, retryCount: 0 });
  // cacheTime 0: the indexer and health checks must see each new block number at once.
  return createPublicClient({ transport, cacheTime: 0 });
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const checksummed = address.transform((value) => getAddress(value) as Address);
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hash");

export const deployedContractSchema = z.object({
  address,
  txHash: hash,
  blockNumber: z.number().int().nonnegative(),
});

/** What a deployment configured on the BountyBoard: fee, recipient, allowlisted tokens and role holders. */
export const boardSettingsSchema = z.object({
  feeRecipient: checksummed,
  feeBps: z.number().int().min(0).max(1000),
  allowedTokens: z.array(checksummed),
  roles: z.object({
    DEFAULT_ADMIN_ROLE: z.array(checksummed),
    DAO_ROLE: z.array(checksummed),
    EVALUATOR_ROLE: z.array(checksummed),
  }),
});

export type BoardSettings = z.infer<typeof boardSettingsSchema>;

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  deployer: address,
  deployedAt: z.string().datetime(),
  contracts: z.record(z.string().min(1), deployedContractSchema),
  /** Optional, so files from before the board still parse (and get redeployed). */
  bountyBoard: boardSettingsSchema.optional(),
});

export type DeployedContract = z.infer<typeof deployedContractSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;

/** Reads and validates the deployment file for `chainId`; undefined when there is none. */
export async function readDeployment(
  config: Pick<Env, "DEPLOYMENTS_DIR">,
  chainId: number,
): Promise<Deployment | undefined> {
  const file = deploymentFile(config, chainId);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = deploymentSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`Malformed deployment file ${file}: ${parsed.error.message}`);
  return parsed.data;
}

/** The BountyBoard address of a deployment; throws when the deployment has none. */
export function boardAddress(deployment: Deployment): Address {
  const board = deployment.contracts.BountyBoard;
  if (!board) throw new Error(`the deployment on chain ${deployment.chainId} has no BountyBoard`);
  return getAddress(board.address);
}
