/**
 * Contract deployment for development chains and tests. `npm run dev` calls it
 * at start-up and `npm run contracts:deploy` runs it alone. It grows a step per
 * contract as the platform does: the test token (dev chains only), then the
 * BountyBoard with its token allowlist and roles.
 *
 * A deployment is written to DEPLOYMENTS_DIR/<chainId>.json, where the web app
 * and the workers read the addresses; its `bountyBoard` section records the
 * board's fee settings, allowlisted tokens and the role holders granted. When
 * that file exists, has every contract this version deploys, was made with the
 * same board settings, and every contract in it is still on the chain (anvil
 * keeps its state in .data/ between runs), the deployment is reused instead of
 * repeated.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hash,
  type Hex,
  http,
  isAddressEqual,
  type PublicClient,
  parseUnits,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  bountyBoardAbi,
  bountyBoardBytecode,
  bountyLogicAbi,
  bountyLogicBytecode,
  testTokenAbi,
  testTokenBytecode,
} from "../../contracts/abi.js";
import { BOARD_ROLES, type BoardRole } from "../../core/board.js";
import { ANVIL_CHAIN_ID, anvilAccount, DEV_ACCOUNTS, DEV_TOKEN } from "../../core/dev-chain.js";
import { METRIC_NAMES, METRICS, metricIdOf, onchainDirection, toOnchainScore } from "../../core/spec.js";
import {
  type BoardSettings,
  type DeployedContract,
  type Deployment,
  readDeployment,
} from "../../server/chain.js";
import {
  DEFAULT_PLATFORM_FEE_BPS,
  deploymentFile,
  type Env,
  MAX_PLATFORM_FEE_BPS,
} from "../../server/env.js";

export interface DeployOptions {
  rpcUrl: string;
  /** Deployer key; defaults to anvil account 0, on chain 31337 only. */
  privateKey?: Hex | undefined;
  deploymentsDir: string;
  /** Deploy even if a live deployment file exists. */
  force?: boolean;
  log?: (message: string) => void;
  /** BountyBoard's DEFAULT_ADMIN_ROLE holder. Default: the deployer. */
  boardAdmin?: Address | undefined;
  /** Accounts granted DAO_ROLE. Default: anvil account 1 on chain 31337, none elsewhere. */
  daoAddresses?: readonly Address[] | undefined;
  /** Accounts granted EVALUATOR_ROLE. Default: anvil account 2 on chain 31337, none elsewhere. */
  evaluatorAddresses?: readonly Address[] | undefined;
  /** Receives the platform fees. Default: anvil account 0 on chain 31337; required elsewhere. */
  feeRecipient?: Address | undefined;
  /** Platform fee for new bounties, in basis points (0..1000). Default: 250. */
  platformFeeBps?: number | undefined;
  /**
   * The board's parameter bounds (`setLimits`), each field overriding the default: DEV_BOARD_LIMITS on anvil (short
   * minimums, so the demo and the tests run in minutes), the contract's own elsewhere.
   */
  limits?: Partial<BoardLimits> | undefined;
}

/** `BountyBoard.Limits`, in seconds. */
export interface BoardLimits {
  minChallengeWindow: number;
  minRevealPeriod: number;
  minEvaluationPeriod: number;
  minVerificationPeriod: number;
  maxFundingPeriod: number;
  maxDeliveryPeriod: number;
  arbitrationPeriod: number;
}

const DAY = 86_400;

/** The limits the BountyBoard's constructor sets (a real chain keeps them unless configured). */
export const CONTRACT_BOARD_LIMITS: BoardLimits = {
  minChallengeWindow: DAY,
  minRevealPeriod: DAY,
  minEvaluationPeriod: DAY,
  minVerificationPeriod: 2 * DAY,
  maxFundingPeriod: 180 * DAY,
  maxDeliveryPeriod: 365 * DAY,
  arbitrationPeriod: 7 * DAY,
};

/**
 * The limits of dev chains: every minimum at the contract's floor (60 s) so the demo, the tests and a person at
 * the browser can walk a bounty through reveal, evaluation, disputes and verification in minutes.
 */
export const DEV_BOARD_LIMITS: BoardLimits = {
  minChallengeWindow: 60,
  minRevealPeriod: 60,
  minEvaluationPeriod: 60,
  minVerificationPeriod: 60,
  maxFundingPeriod: 730 * DAY,
  maxDeliveryPeriod: 730 * DAY,
  arbitrationPeriod: 60,
};

/** The limits to set on `chainId`: the defaults of that chain with `overrides` applied; undefined to keep the contract's. */
export function resolveBoardLimits(
  chainId: number,
  overrides: Partial<BoardLimits> | undefined,
): BoardLimits | undefined {
  const defined = Object.fromEntries(
    Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<BoardLimits>;
  if (chainId !== ANVIL_CHAIN_ID && Object.keys(defined).length === 0) return undefined;
  return { ...(chainId === ANVIL_CHAIN_ID ? DEV_BOARD_LIMITS : CONTRACT_BOARD_LIMITS), ...defined };
}

/**
 * The `setMetric` arguments of every metric the platform scores with, from core/spec.ts METRICS (the one table):
 * the range scaled like scores (1e9), an unbounded maximum as int128's maximum.
 */
export function boardMetrics(): {
  name: string;
  metricId: Hex;
  direction: 0 | 1;
  min: bigint;
  max: bigint;
}[] {
  const INT128_MAX = 2n ** 127n - 1n;
  return METRIC_NAMES.map((name) => {
    const { direction, min, max } = METRICS[name];
    return {
      name,
      metricId: metricIdOf(name),
      direction: onchainDirection(direction),
      min: toOnchainScore(min),
      max: Number.isFinite(max) ? toOnchainScore(max) : INT128_MAX,
    };
  });
}

/** The BountyBoard options of `deployContracts`, from the parsed configuration. */
export function boardDeployOptions(
  config: Partial<
    Pick<Env, "BOARD_ADMIN" | "DAO_ADDRESSES" | "EVALUATOR_ADDRESSES" | "FEE_RECIPIENT" | "PLATFORM_FEE_BPS">
  >,
): Pick<
  DeployOptions,
  "boardAdmin" | "daoAddresses" | "evaluatorAddresses" | "feeRecipient" | "platformFeeBps"
> {
  return {
    boardAdmin: config.BOARD_ADMIN,
    daoAddresses: config.DAO_ADDRESSES,
    evaluatorAddresses: config.EVALUATOR_ADDRESSES,
    feeRecipient: config.FEE_RECIPIENT,
    platformFeeBps: config.PLATFORM_FEE_BPS,
  };
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
    // anvil mines at once: poll receipts every 50 ms rather than viem's default 4 s.
    pollingInterval: chainId === ANVIL_CHAIN_ID ? 50 : 4_000,
  }) as PublicClient;
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl, { retryCount: 0 }) });
  return { chain, publicClient, wallet };
}

/** Checksummed, without duplicates, in the given order. */
function uniqueAddresses(addresses: readonly Address[]): Address[] {
  return [...new Set(addresses.map((a) => getAddress(a)))];
}

/**
 * What the board should be deployed with on `chainId`: the options, or the dev
 * defaults on anvil. Throws when a setting without a default is missing or
 * out of range.
 */
export function resolveBoardSettings(
  chainId: number,
  deployer: Address,
  options: Pick<
    DeployOptions,
    "boardAdmin" | "daoAddresses" | "evaluatorAddresses" | "feeRecipient" | "platformFeeBps"
  >,
  allowedTokens: readonly Address[],
): BoardSettings {
  const dev = chainId === ANVIL_CHAIN_ID;
  const feeBps = options.platformFeeBps ?? DEFAULT_PLATFORM_FEE_BPS;
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > MAX_PLATFORM_FEE_BPS) {
    throw new Error(
      `PLATFORM_FEE_BPS must be a whole number from 0 to ${MAX_PLATFORM_FEE_BPS}, not ${feeBps}`,
    );
  }
  const feeRecipient =
    options.feeRecipient ?? (dev ? anvilAccount(DEV_ACCOUNTS.feeRecipient).address : undefined);
  if (!feeRecipient) {
    throw new Error(`FEE_RECIPIENT is required to deploy on chain ${chainId} (only anvil has a default)`);
  }
  return {
    feeRecipient: getAddress(feeRecipient),
    feeBps,
    allowedTokens: uniqueAddresses(allowedTokens),
    roles: {
      DEFAULT_ADMIN_ROLE: [getAddress(options.boardAdmin ?? deployer)],
      DAO_ROLE: uniqueAddresses(
        options.daoAddresses ?? (dev ? [anvilAccount(DEV_ACCOUNTS.dao).address] : []),
      ),
      EVALUATOR_ROLE: uniqueAddresses(
        options.evaluatorAddresses ?? (dev ? [anvilAccount(DEV_ACCOUNTS.evaluator).address] : []),
      ),
    },
  };
}

const sameSet = (a: readonly Address[], b: readonly Address[]) =>
  a.length === b.length && a.every((x) => b.some((y) => isAddressEqual(x, y)));

/**
 * Why `recorded` differs from `wanted`, ignoring the allowlisted tokens (they
 * are deployment addresses, compared through the contract set); undefined when
 * they agree.
 */
function settingsDifference(recorded: BoardSettings, wanted: BoardSettings): string | undefined {
  if (recorded.feeBps !== wanted.feeBps) return `fee ${recorded.feeBps} bps, now ${wanted.feeBps}`;
  if (!isAddressEqual(recorded.feeRecipient, wanted.feeRecipient)) {
    return `fee recipient ${recorded.feeRecipient}, now ${wanted.feeRecipient}`;
  }
  for (const role of Object.keys(wanted.roles) as BoardRole[]) {
    if (!sameSet(recorded.roles[role], wanted.roles[role])) {
      return `${role} holders ${recorded.roles[role].join(",") || "none"}, now ${wanted.roles[role].join(",") || "none"}`;
    }
  }
  return undefined;
}

/** True when every contract of `deployment` still has code on the chain. */
export async function isLive(publicClient: PublicClient, deployment: Deployment): Promise<boolean> {
  for (const contract of Object.values(deployment.contracts)) {
    const code = await publicClient.getCode({ address: contract.address as Hex });
    if (!code || code === "0x") return false;
  }
  return Object.keys(deployment.contracts).length > 0;
}

/** The contracts this version deploys on `chainId`; a deployment file missing one is redeployed. */
export function requiredContracts(chainId: number): string[] {
  return chainId === ANVIL_CHAIN_ID
    ? ["TestToken", "BountyLogic", "BountyBoard"]
    : ["BountyLogic", "BountyBoard"];
}

/**
 * Why `existing` cannot be reused (undefined: it can): a contract missing from
 * the file or gone from the chain, or board settings other than `wanted`
 * (tokens aside). A settings difference means a redeploy on anvil, and an
 * error elsewhere (a live board holds escrow).
 */
async function staleReason(
  publicClient: PublicClient,
  chainId: number,
  existing: Deployment,
  wanted: BoardSettings,
  file: string,
): Promise<string | undefined> {
  const missing = requiredContracts(chainId).filter((name) => !existing.contracts[name]);
  if (missing.length > 0) return `it has no ${missing.join(", ")}`;
  if (!existing.bountyBoard) return "it records no BountyBoard settings";
  if (!(await isLive(publicClient, existing))) return "its contracts are gone from the chain";
  const difference = settingsDifference(existing.bountyBoard, wanted);
  if (difference && chainId !== ANVIL_CHAIN_ID) {
    // A real board holds escrow: never replace it because the configuration changed.
    throw new Error(
      `the BountyBoard in ${file} was deployed with ${difference}; ` +
        "change the roles or fee with the admin account, restore the configuration, or redeploy with --force",
    );
  }
  if (difference) return `its BountyBoard was deployed with ${difference}`;
  return undefined;
}

export async function deployContracts(options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  const { chain, publicClient, wallet } = await connect(options.rpcUrl, options.privateKey);
  const file = deploymentFile({ DEPLOYMENTS_DIR: options.deploymentsDir }, chain.id);
  const deployer = wallet.account.address;
  // Settings are checked before anything is sent, so a bad option costs no transaction.
  const wanted = resolveBoardSettings(chain.id, deployer, options, []);

  const existing = await readDeployment({ DEPLOYMENTS_DIR: options.deploymentsDir }, chain.id);
  if (existing && !options.force) {
    const reason = await staleReason(publicClient, chain.id, existing, wanted, file);
    if (!reason) {
      log(`contracts already deployed on chain ${chain.id} (${file})`);
      return { deployment: existing, reused: true, file };
    }
    log(`redeploying: the deployment in ${file} cannot be reused (${reason})`);
  }

  const contracts: Deployment["contracts"] = {};
  const allowedTokens: Address[] = [];

  /** Sends a transaction and waits until it is mined; throws unless it succeeded. */
  const mined = async (what: string, hash: Hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${what} failed in ${hash}`);
    return receipt;
  };
  const deployed = async (name: string, hash: Hash): Promise<DeployedContract & { address: Address }> => {
    const receipt = await mined(`${name} deployment`, hash);
    if (!receipt.contractAddress) throw new Error(`${name} deployment created no contract in ${hash}`);
    const contract = {
      address: receipt.contractAddress,
      txHash: hash,
      blockNumber: Number(receipt.blockNumber),
    };
    contracts[name] = contract;
    return contract;
  };

  // Step: the test token, on dev chains only; real chains allowlist real tokens.
  if (chain.id === ANVIL_CHAIN_ID) {
    const hash = await wallet.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: [DEV_TOKEN.name, DEV_TOKEN.symbol, DEV_TOKEN.decimals, deployer],
    });
    const token = (await deployed("TestToken", hash)).address;
    log(`TestToken (${DEV_TOKEN.symbol}) deployed at ${token} in ${hash}`);

    const amount = parseUnits(DEV_TOKEN.mintPerAccount, DEV_TOKEN.decimals);
    for (let i = 0; i < 10; i++) {
      const mint = await wallet.writeContract({
        address: token,
        abi: testTokenAbi,
        functionName: "mint",
        args: [anvilAccount(i).address, amount],
      });
      await mined(`minting ${DEV_TOKEN.symbol}`, mint);
    }
    log(`minted ${DEV_TOKEN.mintPerAccount} ${DEV_TOKEN.symbol} to each of anvil's 10 accounts`);
    allowedTokens.push(token);
  }

  // Step: the bounty board. The deployer administers it while it allowlists tokens and grants roles, then hands
  // the admin role over when another admin is configured.
  const settings = resolveBoardSettings(chain.id, deployer, options, allowedTokens);
  // The board calls a linked library (BountyLogic, ADR 016): deploy it, then write its address into the board's
  // bytecode with solc's own linker (a dev tool, loaded only when deploying).
  const logicHash = await wallet.deployContract({ abi: bountyLogicAbi, bytecode: bountyLogicBytecode });
  const logic = (await deployed("BountyLogic", logicHash)).address;
  const { default: linker } = await import("solc/linker.js");
  const boardBytecode = linker.linkBytecode(bountyBoardBytecode, {
    "contracts/src/BountyLogic.sol:BountyLogic": logic,
  }) as Hex;
  const boardHash = await wallet.deployContract({
    abi: bountyBoardAbi,
    bytecode: boardBytecode,
    args: [deployer, settings.feeRecipient, settings.feeBps],
  });
  const board = (await deployed("BountyBoard", boardHash)).address;
  log(
    `BountyBoard deployed at ${board} in ${boardHash} (fee ${settings.feeBps} bps to ${settings.feeRecipient})`,
  );

  // The metrics bounties may be scored with (core/spec.ts METRICS) and the parameter bounds.
  for (const metric of boardMetrics()) {
    const hash = await wallet.writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "setMetric",
      args: [metric.metricId, metric.direction, metric.min, metric.max],
    });
    await mined(`registering the metric ${metric.name}`, hash);
  }
  log(`BountyBoard: metrics ${METRIC_NAMES.join(", ")} registered`);
  const limits = resolveBoardLimits(chain.id, options.limits);
  if (limits) {
    const hash = await wallet.writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "setLimits",
      args: [limits],
    });
    await mined("setting the board's limits", hash);
    log(`BountyBoard: limits ${JSON.stringify(limits)}`);
  }

  for (const token of settings.allowedTokens) {
    const hash = await wallet.writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "setTokenAllowed",
      args: [token, true],
    });
    await mined(`allowlisting ${token}`, hash);
    log(`BountyBoard: token ${token} allowlisted`);
  }

  const grant = async (role: BoardRole, account: Address) => {
    const hash = await wallet.writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "grantRole",
      args: [BOARD_ROLES[role], account],
    });
    await mined(`granting ${role} to ${account}`, hash);
  };
  for (const role of ["DAO_ROLE", "EVALUATOR_ROLE"] as const) {
    for (const account of settings.roles[role]) await grant(role, account);
    log(`BountyBoard: ${role} granted to ${settings.roles[role].join(", ") || "nobody"}`);
  }

  const [admin] = settings.roles.DEFAULT_ADMIN_ROLE;
  if (admin && !isAddressEqual(admin, deployer)) {
    await grant("DEFAULT_ADMIN_ROLE", admin);
    const hash = await wallet.writeContract({
      address: board,
      abi: bountyBoardAbi,
      functionName: "renounceRole",
      args: [BOARD_ROLES.DEFAULT_ADMIN_ROLE, deployer],
    });
    await mined("renouncing the deployer's admin role", hash);
  }
  log(`BountyBoard: DEFAULT_ADMIN_ROLE held by ${admin}`);

  const deployment: Deployment = {
    chainId: chain.id,
    deployer,
    deployedAt: new Date().toISOString(),
    contracts,
    bountyBoard: settings,
  };
  await mkdir(path.dirname(file), { recursive: true });
  // Write to a temporary file and rename, so a reader never sees half a file.
  await writeFile(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { deployment, reused: false, file };
}
