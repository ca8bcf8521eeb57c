import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatScore, formatTokenAmount, formatValue, percentOf, shortHex } from "../../core/format.js";
import { fromOnchainScore } from "../../core/spec.js";
import { StatusBadge } from "../components/ui/Badge.js";
import { Card } from "../components/ui/Card.js";
import { DataTable } from "../components/ui/DataTable.js";
import { Progress } from "../components/ui/Progress.js";
import { homeBoards, topFundedBounties } from "../models/bounty.server.js";
import { knownDeployments } from "../models/deployment.server.js";
import { services } from "../services.server.js";

export const meta: MetaFunction = () => [
  { title: "Crowdtrain: crowdfunded open models" },
  {
    name: "description",
    content: "Communities fund training bounties for open models; GPU pools train them; scores are on-chain.",
  },
];

export async function loader() {
  const { db, config } = await services();
  const [contracts, topFunded, boards] = await Promise.all([
    knownDeployments(db.db, config.CHAIN_ID),
    topFundedBounties(db.db, config.CHAIN_ID, config.TOKEN_PRICES),
    homeBoards(db.db, config.CHAIN_ID, config.TOKEN_PRICES),
  ]);
  // Only what the page shows goes to the browser (the HTML carries it a second time, for hydration).
  const card = (b: { bountyId: string; name: string | null }) => ({ bountyId: b.bountyId, name: b.name });
  return {
    chainId: config.CHAIN_ID,
    topFunded: topFunded.map((b) => ({
      ...card(b),
      status: b.status,
      raised: b.raised,
      goal: b.goal,
      tokenSymbol: b.tokenSymbol,
      tokenDecimals: b.tokenDecimals,
      fundingValue: b.fundingValue,
      backerCount: b.backerCount,
      createdTx: b.createdTx,
    })),
    boards: {
      totals: boards.totals,
      byBackers: boards.byBackers.map((b) => ({ ...card(b), backerCount: b.backerCount })),
      // Scores as the numbers they stand for (on-chain they carry 9 decimals).
      byScore: boards.byScore.map((b) => ({
        ...card(b),
        metric: b.metric,
        direction: b.direction,
        bestMargin: b.bestMargin,
        best: b.bestScore === null ? null : fromOnchainScore(BigInt(b.bestScore)),
        target: fromOnchainScore(BigInt(b.targetScore)),
      })),
      training: boards.training.map((b) => ({ ...card(b), percent: b.percent, pool: b.pool })),
      fulfilled: boards.fulfilled.map((b) => ({ ...card(b), winner: b.winner })),
    },
    cursor: boards.indexedThrough,
    contracts: contracts.map((c) => ({
      name: c.name,
      address: c.address,
      txHash: c.txHash,
      blockNumber: c.blockNumber,
      deployedAt: c.deployedAt.toISOString(),
    })),
  };
}

export default function Index() {
  const { chainId, contracts, topFunded, boards, cursor } = useLoaderData<typeof loader>();
  const { totals } = boards;
  return (
    <>
      <section className="hero">
        <h1>Crowdtrain</h1>
        <p>
          DAOs propose open models to train. Backers fund bounties on-chain and share in the result. GPU pools
          claim the work, checkpoints are scored on a private held-out set, and the best one is paid.
        </p>
        <p className="flex flex-wrap gap-3">
          <Link to="/bounties" className="btn">
            Browse bounties
          </Link>
          <Link to="/propose" className="btn btn-secondary">
            Propose a bounty
          </Link>
        </p>
      </section>
      <section aria-label="Totals" className="totals">
        <dl className="stats">
          <Stat label="bounties" value={totals.bounties} />
          <Stat label="funded" value={totals.funded} />
          <Stat label="backings" value={totals.backers} />
          <Stat label="checkpoints submitted" value={totals.submissions} />
        </dl>
      </section>
      <div className="boards">
        <BountyBoard
          id="backed-heading"
          title="Most backed"
          rows={boards.byBackers}
          detail={(b) => `${b.backerCount} ${b.backerCount === 1 ? "backer" : "backers"}`}
        />
        <BountyBoard
          id="score-heading"
          title="Best scores"
          rows={boards.byScore}
          empty="No bounty has a qualifying score yet."
          detail={(b) =>
            `${b.metric ?? "score"} ${b.best === null ? "—" : formatScore(b.best)} (target ${b.direction === "LowerIsBetter" ? "≤" : "≥"} ${b.target}), ` +
            `${Math.round((b.bestMargin ?? 0) * 100)}% of the way to ideal`
          }
        />
        <BountyBoard
          id="training-heading"
          title="In training"
          rows={boards.training}
          empty="No bounty is being trained right now."
          detail={(b) => `${b.percent ?? 0}% on ${b.pool}`}
        />
        <BountyBoard
          id="fulfilled-heading"
          title="Recently fulfilled"
          rows={boards.fulfilled}
          empty="No bounty fulfilled yet."
          detail={(b) => (b.winner ? `won by ${shortHex(b.winner)}` : "fulfilled")}
        />
      </div>
      <section aria-labelledby="funded-heading">
        <h2 id="funded-heading">Top funded bounties</h2>
        <p className="muted">
          Ranked by value across tokens: whole tokens × each token's reference price (1 unless configured).
        </p>
        {topFunded.length === 0 ? (
          <p>No bounties yet{cursor === null ? " (the indexer has not read the chain yet)" : ""}.</p>
        ) : (
          <DataTable label="Top funded bounties">
            <table>
              <thead>
                <tr>
                  <th scope="col">Bounty</th>
                  <th scope="col">Status</th>
                  <th scope="col">Raised / goal</th>
                  <th scope="col">Value</th>
                  <th scope="col">Backers</th>
                  <th scope="col">Created in</th>
                </tr>
              </thead>
              <tbody>
                {topFunded.map((b) => (
                  <tr key={b.bountyId}>
                    <td>
                      <Link to={`/bounties/${b.bountyId}`}>
                        #{b.bountyId}
                        {b.name ? ` ${b.name}` : ""}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={b.status} />
                    </td>
                    <td>
                      <Progress value={percentOf(b.raised, b.goal)} label={`bounty ${b.bountyId} funding`}>
                        {formatTokenAmount(b.raised, b)} / {formatTokenAmount(b.goal, b)}
                      </Progress>
                    </td>
                    <td>{b.fundingValue === null ? "—" : formatValue(b.fundingValue)}</td>
                    <td>{b.backerCount}</td>
                    <td>
                      <Link to={`/tx/${b.createdTx}`} title={b.createdTx}>
                        <code>{`${b.createdTx.slice(0, 10)}…`}</code>
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </DataTable>
        )}
        <p>
          <Link to="/bounties">All bounties</Link>
        </p>
        {cursor !== null ? <p className="muted">Indexed through block {cursor}.</p> : null}
      </section>
      <section aria-labelledby="contracts-heading">
        <h2 id="contracts-heading">Platform contracts on chain {chainId}</h2>
        {contracts.length === 0 ? (
          <p>No contracts are recorded for this chain yet. `npm run dev` deploys them on start.</p>
        ) : (
          <DataTable label="Platform contracts">
            <table>
              <thead>
                <tr>
                  <th scope="col">Contract</th>
                  <th scope="col">Address</th>
                  <th scope="col">Deployed in block</th>
                  <th scope="col">Transaction</th>
                </tr>
              </thead>
              <tbody>
                {contracts.map((c) => (
                  <tr key={c.name}>
                    <td>{c.name}</td>
                    <td>
                      <code>{c.address}</code>
                    </td>
                    <td>{c.blockNumber}</td>
                    <td>
                      <code title={c.txHash}>{`${c.txHash.slice(0, 10)}…`}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </DataTable>
        )}
      </section>
    </>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value.toLocaleString("en-US")}</dd>
    </div>
  );
}

function BountyBoard<Row extends { bountyId: string; name: string | null }>(props: {
  id: string;
  title: string;
  rows: Row[];
  empty?: string;
  detail(row: Row): string;
}) {
  return (
    <Card title={props.title} titleId={props.id}>
      {props.rows.length === 0 ? (
        <p className="muted">{props.empty ?? "Nothing yet."}</p>
      ) : (
        <ol className="board-list">
          {props.rows.map((row) => (
            <li key={row.bountyId}>
              <Link to={`/bounties/${row.bountyId}`}>{row.name ?? `Bounty #${row.bountyId}`}</Link>{" "}
              <span className="muted">{props.detail(row)}</span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
