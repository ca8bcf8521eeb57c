/**
 * GET /api/bounties/:bountyId: a bounty as indexed (JSON). A bounty the chain has but the indexer has not
 * reached yet answers 200 `{indexed: false}`, so a page waiting for its new bounty polls without errors;
 * one the chain does not have is a 404.
 *
 * An indexed bounty's answer is the same for every anonymous caller, so the shared page cache serves it
 * (server/page-cache.ts: dropped when the indexer writes); `{indexed: false}` is a passing state, never kept.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { bountyBoardAbi } from "../../contracts/abi.js";
import { bountySummary } from "../models/bounty.server.js";
import { platformContracts } from "../models/deployment.server.js";
import { services } from "../services.server.js";
import { apiError, onlyMethods } from "../utils/api.server.js";

export async function loader({ params }: LoaderFunctionArgs) {
  const bountyId = params.bountyId ?? "";
  if (!/^[1-9]\d{0,77}$/.test(bountyId)) throw apiError(400, "bountyId must be a positive whole number");
  const { db, chain, config } = await services();
  const summary = await bountySummary(db.db, config.CHAIN_ID, bountyId);
  if (summary) {
    const { bounty } = summary;
    return Response.json(
      {
        indexed: true,
        bountyId,
        status: bounty.status,
        dao: bounty.dao,
        token: bounty.token,
        goal: bounty.goal,
        raised: bounty.raised,
        backerCount: bounty.backerCount,
        fundingDeadline: bounty.fundingDeadline,
        deliveryDeadline: bounty.deliveryDeadline,
        specHash: bounty.specHash,
        submissions: summary.submissionCount,
      },
      { headers: { "Cache-Control": "public, no-cache" } },
    );
  }
  const { board } = await platformContracts(db.db, config.CHAIN_ID);
  const [count] = board
    ? await chain.readContract({ address: board, abi: bountyBoardAbi, functionName: "counts" }).catch(() => {
        // The RPC is down or slow (its calls time out): say so rather than guess.
        throw apiError(
          503,
          `bounty ${bountyId} is not indexed, and the chain's RPC did not answer to say whether it exists`,
        );
      })
    : [0n];
  if (BigInt(bountyId) <= count) {
    return Response.json({ indexed: false, bountyId }, { headers: { "Cache-Control": "no-store" } });
  }
  throw apiError(404, `no bounty ${bountyId} on chain ${config.CHAIN_ID}`);
}

/** Read-only: anything but GET and HEAD is answered 405 with `Allow`. */
export const action = onlyMethods("GET", "HEAD");
