/**
 * GET /tx/:hash: what the index holds of one of the board's transactions (its block, time and events, each
 * in words and linked to its bounty), with the command that reads the same receipt from the chain. Where
 * transaction links go when no block explorer is configured (PUBLIC_EXPLORER_URL). 400 for a malformed
 * hash, 404 for one the index does not hold.
 */
import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatUtc, shortHex } from "../../core/format.js";
import { publicEnv } from "../env.server.js";
import { transactionEvents } from "../models/transaction.server.js";
import { services } from "../services.server.js";
import { describeEvent } from "../utils/board-events.js";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Transaction ${shortHex(data.hash, 10, 6)} · Crowdtrain` : "Transaction · Crowdtrain" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const raw = params.hash ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) {
    throw json({ error: "a transaction hash is 0x followed by 64 hex characters" }, { status: 400 });
  }
  const hash = raw.toLowerCase();
  const { db, config } = await services();
  const rows = await transactionEvents(db.db, config.CHAIN_ID, hash);
  if (rows.length === 0) {
    throw json(
      {
        error: `the index holds no board event in transaction ${hash} (not the board's, or not indexed yet)`,
      },
      { status: 404 },
    );
  }
  const time = rows.find((row) => row.blockTime !== null)?.blockTime ?? null;
  return json({
    hash,
    blockNumber: rows[0]?.blockNumber ?? null,
    at: time === null ? null : new Date(Number(time) * 1000).toISOString(),
    events: rows.map((row) => ({
      logIndex: row.logIndex,
      eventName: row.eventName,
      bountyId: row.bountyId,
      sentence: describeEvent(row.eventName, row.args as Record<string, unknown>, {
        tokenSymbol: row.tokenSymbol,
        tokenDecimals: row.tokenDecimals,
      }),
    })),
    rpcUrl: publicEnv(config).rpcUrl,
  });
}

export default function Transaction() {
  const { hash, blockNumber, at, events, rpcUrl } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Transaction</h1>
      <p>
        <code>{hash}</code>
      </p>
      <dl className="facts">
        <dt>Block</dt>
        <dd>{blockNumber}</dd>
        {at ? (
          <>
            <dt>Time</dt>
            <dd>
              <time dateTime={at}>{formatUtc(at)}</time>
            </dd>
          </>
        ) : null}
      </dl>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">What it did on the board</h2>
        <ol className="timeline">
          {events.map((event) => (
            <li key={event.logIndex}>
              {event.sentence}
              {event.bountyId ? (
                <>
                  {" "}
                  on <Link to={`/bounties/${event.bountyId}`}>bounty #{event.bountyId}</Link>
                </>
              ) : null}{" "}
              <span className="muted">({event.eventName})</span>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="check-heading">
        <h2 id="check-heading">Check it on the chain</h2>
        <p className="muted">This page shows the platform's index. The chain itself answers:</p>
        <pre>
          <code>
            cast receipt {hash} --rpc-url {rpcUrl}
          </code>
        </pre>
      </section>
    </>
  );
}
