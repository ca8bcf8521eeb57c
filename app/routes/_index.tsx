import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { indexedThrough, topFundedBounties } from "~/models/bounty.server";
import { listDeployments } from "~/models/deployment.server";
import { services } from "~/services.server";

export const meta: MetaFunction = () => [
  { title: "Crowdtrain: crowdfunded open models" },
  {
    name: "description",
    content: "Communities fund training bounties for open models; GPU pools train them; scores are on-chain.",
  },
];

export async function loader() {
  const { db, config } = await services();
  const [contracts, topFunded, cursor] = await Promise.all([
    listDeployments(db.db, config.CHAIN_ID),
    topFundedBounties(db.db, config.CHAIN_ID),
    indexedThrough(db.db, config.CHAIN_ID),
  ]);
  return {
    chainId: config.CHAIN_ID,
    topFunded,
    cursor: cursor ?? null,
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
  const { chainId, contracts, topFunded, cursor } = useLoaderData<typeof loader>();
  return (
    <>
      <section className="hero">
        <h1>Crowdtrain</h1>
        <p>
          DAOs propose open models to train. Backers fund bounties on-chain and share in the result. GPU pools
          claim the work, checkpoints are scored on a private held-out set, and the best one is paid.
        </p>
      </section>
      <section aria-labelledby="funded-heading">
        <h2 id="funded-heading">Top funded bounties</h2>
        {topFunded.length === 0 ? (
          <p>No bounties yet{cursor === null ? " (the indexer has not read the chain yet)" : ""}.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Bounty</th>
                <th scope="col">Status</th>
                <th scope="col">Raised / goal (base units)</th>
                <th scope="col">Backers</th>
                <th scope="col">Created in</th>
              </tr>
            </thead>
            <tbody>
              {topFunded.map((b) => (
                <tr key={b.bountyId}>
                  <td>
                    <Link to={`/bounties/${b.bountyId}`}>#{b.bountyId}</Link>
                  </td>
                  <td>{b.status}</td>
                  <td>
                    {b.raised} / {b.goal}
                  </td>
                  <td>{b.backerCount}</td>
                  <td>
                    <code title={b.createdTx}>{`${b.createdTx.slice(0, 10)}…`}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
        )}
      </section>
    </>
  );
}
