/**
 * A trainer's dashboard: their claims and bonds, their submissions and scores, and their payouts. Amounts
 * come with their bounty's token symbol and decimals (null until the indexer has read the token).
 */
import { type AnyColumn, and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import {
  bounties,
  claims,
  evaluationRuns,
  payments,
  specs,
  submissions,
  tokens,
} from "../../db/schema/index.js";

const sameAddress = (column: AnyColumn, address: string) => sql`lower(${column}) = ${address.toLowerCase()}`;
/** A bounty's token row, joined for its symbol and decimals. */
const tokenOf = and(eq(tokens.chainId, bounties.chainId), eq(tokens.token, bounties.token));

export async function trainerDashboard(db: Database, chainId: number, address: string) {
  const [claimRows, submissionRows, paymentRows] = await Promise.all([
    db
      .select({
        bountyId: claims.bountyId,
        bond: claims.bond,
        bondState: claims.bondState,
        txHash: claims.txHash,
        status: bounties.status,
        name: sql<string | null>`${specs.spec}->>'name'`,
        tokenSymbol: tokens.symbol,
        tokenDecimals: tokens.decimals,
      })
      .from(claims)
      .innerJoin(bounties, and(eq(bounties.chainId, claims.chainId), eq(bounties.bountyId, claims.bountyId)))
      .leftJoin(specs, eq(specs.specHash, bounties.specHash))
      .leftJoin(tokens, tokenOf)
      .where(and(eq(claims.chainId, chainId), sameAddress(claims.trainer, address)))
      .orderBy(desc(claims.blockNumber))
      .limit(200),
    db
      .select({
        submissionId: submissions.submissionId,
        bountyId: submissions.bountyId,
        verdict: submissions.verdict,
        score: submissions.score,
        submittedAt: submissions.committedAt,
        revealedAt: submissions.revealedAt,
        txHash: submissions.txHash,
        outcome: evaluationRuns.outcome,
        reason: evaluationRuns.reason,
        reportSha256: evaluationRuns.reportSha256,
        best: sql<boolean>`${bounties.bestSubmissionId} = ${submissions.submissionId}`,
      })
      .from(submissions)
      .innerJoin(
        bounties,
        and(eq(bounties.chainId, submissions.chainId), eq(bounties.bountyId, submissions.bountyId)),
      )
      .leftJoin(
        evaluationRuns,
        and(
          eq(evaluationRuns.chainId, submissions.chainId),
          eq(evaluationRuns.submissionId, submissions.submissionId),
        ),
      )
      .where(and(eq(submissions.chainId, chainId), sameAddress(submissions.trainer, address)))
      .orderBy(desc(submissions.blockNumber))
      .limit(200),
    db
      .select({
        kind: payments.kind,
        bountyId: payments.bountyId,
        amount: payments.amount,
        txHash: payments.txHash,
        logIndex: payments.logIndex,
        tokenSymbol: tokens.symbol,
        tokenDecimals: tokens.decimals,
      })
      .from(payments)
      .leftJoin(
        bounties,
        and(eq(bounties.chainId, payments.chainId), eq(bounties.bountyId, payments.bountyId)),
      )
      .leftJoin(tokens, tokenOf)
      .where(and(eq(payments.chainId, chainId), sameAddress(payments.account, address)))
      .orderBy(desc(payments.blockNumber))
      .limit(200),
  ]);
  return { claims: claimRows, submissions: submissionRows, payments: paymentRows };
}
