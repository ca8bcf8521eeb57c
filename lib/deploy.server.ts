/**
 * Contract deployment for development chains and tests. `npm run dev` calls it
 * at start-up and `npm run contracts:deploy` runs it alone. It grows a step per
 * contract as the platform does (the bounty board comes next).
 *
 * A deployment is written to DEPLOYMENTS_DIR/<chainId>.json, where the web app
 * and the workers read the addresses. When that file exists and every contract
 * in it is still on the chain (anvil keeps its state in .data/ between runs),
 * the deployment is reused instead of repeated.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseUnits,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { testTokenAbi, testTokenBytecode } from "../contracts/abi.js";
import { type Deployment, readDeployment } from "./chain.server.js";
import { deploymentFile } from "./env.server.js";

/** anvil's default mnemonic: its ten prefunded accounts. Never valid outside dev chains. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
export const ANVIL_CHAIN_ID = 31_337;

/** The test token minted to each anvil account on dev chains, in whole tokens. */
export const DEV_TOKEN = {
  name: "Crowdtrain Test USD",
  symbol: "ctUSD",
  decimals: 6,
  mintPerAccount: "1000000",
};

export function anvilAccount(index: number) {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

export interface DeployOptions {
  rpcUrl: string;
  /** Deployer key; defaults to anvil account 0, on chain 31337 only. */
  privateKey?: Hex | undefined;
  deploymentsDir: string;
  /** Deploy even if a live deployment file exists. */
  force?: boolean;
  log?: (message: string) => void;
}

export interface DeployResult {
  deployment: Deployment;
  reused: boolean;
  file: string;
}

type Clients = {
  chain: Chain;
  publicClient: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
};

async function connect(rpcUrl: string, privateKey: Hex | undefined): Promise<Clients> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const chainId = await probe.getChainId();
  if (!privateKey && chainId !== ANVIL_CHAIN_ID) {
    throw new Error(
      `DEPLOYER_PRIVATE_KEY is required to deploy on chain ${chainId} (only anvil has a default)`,
    );
  }
  const account = privateKey ? privateKeyToAccount(privateKey) : anvilAccount(0);
  const chain = defineChain({
    id: chainId,
    name: chainId === ANVIL_CHAIN_ID ? "Anvil" : `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({
    chain,
    transport: http(rpcUrl, { retryCount: 0 }),
  }) as PublicClient;
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl, { retryCount: 0 }) });
  return { chain, publicClient, wallet };
}

/** True when every contract of `deployment` still has code on the chain. */
export async function isLive(publicClient: PublicClient, deployment: Deployment): Promise<boolean> {
  for (const contract of Object.values(deployment.contracts)) {
    const code = await publicClient.getCode({ address: contract.address as Hex });
    if (!code || code === "0x") return false;
  }
  return Object.keys(deployment.contracts).length > 0;
}

export async function deployContracts(options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  const { chain, publicClient, wallet } = await connect(options.rpcUrl, options.privateKey);
  const file = deploymentFile({ DEPLOYMENTS_DIR: options.deploymentsDir }, chain.id);

  const existing = await readDeployment({ DEPLOYMENTS_DIR: options.deploymentsDir }, chain.id);
  if (existing && !options.force && (await isLive(publicClient, existing))) {
    log(`contracts already deployed on chain ${chain.id} (${file})`);
    return { deployment: existing, reused: true, file };
  }

  const contracts: Deployment["contracts"] = {};

  // Step: the test token, on dev chains only; real chains allowlist real tokens.
  if (chain.id === ANVIL_CHAIN_ID) {
    const hash = await wallet.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: [DEV_TOKEN.name, DEV_TOKEN.symbol, DEV_TOKEN.decimals, wallet.account.address],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`TestToken deployment failed in ${hash}`);
    }
    const token = receipt.contractAddress;
    contracts.TestToken = { address: token, txHash: hash, blockNumber: Number(receipt.blockNumber) };
    log(`TestToken (${DEV_TOKEN.symbol}) deployed at ${token} in ${hash}`);

    const amount = parseUnits(DEV_TOKEN.mintPerAccount, DEV_TOKEN.decimals);
    for (let i = 0; i < 10; i++) {
      const mint = await wallet.writeContract({
        address: token,
        abi: testTokenAbi,
        functionName: "mint",
        args: [anvilAccount(i).address, amount],
      });
      await publicClient.waitForTransactionReceipt({ hash: mint });
    }
    log(`minted ${DEV_TOKEN.mintPerAccount} ${DEV_TOKEN.symbol} to each of anvil's 10 accounts`);
  }

  const deployment: Deployment = {
    chainId: chain.id,
    deployer: wallet.account.address,
    deployedAt: new Date().toISOString(),
    contracts,
  };
  await mkdir(path.dirname(file), { recursive: true });
  // Write to a temporary file and rename, so a reader never sees half a file.
  await writeFile(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { deployment, reused: false, file };
}
