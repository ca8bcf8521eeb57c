import { describe, expect, it } from "vitest";
import { syncDeploymentJobId, syncDeploymentPayload } from "./queues.js";

const deployment = {
  chainId: 31_337,
  deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  deployedAt: "2026-01-01T00:00:00.000Z",
  contracts: {
    TestToken: {
      address: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      txHash: `0x${"ab".repeat(32)}`,
      blockNumber: 1,
    },
  },
};

describe("syncDeploymentJobId", () => {
  it("is deterministic and valid as a BullMQ id", () => {
    const id = syncDeploymentJobId(deployment);
    expect(id).toBe(syncDeploymentJobId(structuredClone(deployment)));
    expect(id).not.toContain(":");
    expect(id).toMatch(/^sync-deployment-31337-[0-9a-f]{16}$/);
  });

  it("changes when an address changes, not when only the timestamp does", () => {
    const moved = structuredClone(deployment);
    moved.contracts.TestToken.address = "0x0000000000000000000000000000000000000001";
    expect(syncDeploymentJobId(moved)).not.toBe(syncDeploymentJobId(deployment));
    expect(syncDeploymentJobId({ ...deployment, deployedAt: "2027-01-01T00:00:00.000Z" })).toBe(
      syncDeploymentJobId(deployment),
    );
  });
});

describe("syncDeploymentPayload", () => {
  it("accepts a deployment file", () => {
    expect(syncDeploymentPayload.parse(deployment)).toEqual(deployment);
  });

  it("names the bad field", () => {
    const result = syncDeploymentPayload.safeParse({ ...deployment, contracts: { X: { address: "0x12" } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain("contracts.X.address");
  });
});
