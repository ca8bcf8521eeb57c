import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getAddress, isAddress } from "viem";
import { formatTokenAmount, shortHex } from "../../core/format.js";
import { fromOnchainScore } from "../../core/spec.js";
import { WithdrawBond } from "../components/WithdrawBond.js";
import { trainerDashboard } from "../models/trainer.server.js";
import { services } from "../services.server.js";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Trainer ${shortHex(data.address)} · Crowdtrain` : "Trainer · Crowdtrain" },
];

/** GET /trainers/:address: a trainer's claims, bonds, submissions, scores and payouts (400 for a bad address). */
export async function loader({ params }: LoaderFunctionArgs) {
  const raw = params.address ?? "";
  if (!isAddress(raw, { strict: false })) {
    throw json({ error: "an address is 0x followed by 40 hex characters" }, { status: 400 });
  }
  const address = getAddress(raw);
  const { db, config } = await services();
  const dashboard = await trainerDashboard(db.db, config.CHAIN_ID, address);
  return json({
    address,
    ...dashboard,
    submissions: dashboard.submissions.map((s) => ({
      ...s,
      score: s.score === null ? null : fromOnchainScore(BigInt(s.score)),
    })),
  });
}

export default function Trainer() {
  const { address, claims, submissions, payments } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>
        Trainer <code>{shortHex(address)}</code>
      </h1>
      <p className="muted">
        <code>{address}</code>
      </p>
      <section aria-labelledby="claims-heading">
        <h2 id="claims-heading">Claims and bonds</h2>
        {claims.length === 0 ? (
          <p>No claim yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Bounty</th>
                  <th scope="col">Status</th>
                  <th scope="col">Bond</th>
                  <th scope="col">Bond state</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {claims.map((c) => (
                  <tr key={c.bountyId}>
                    <td>
                      <Link to={`/bounties/${c.bountyId}`}>{c.name ?? `#${c.bountyId}`}</Link>
                    </td>
                    <td>{c.status}</td>
                    <td>{formatTokenAmount(c.bond, c)}</td>
                    <td>{c.bondState}</td>
                    <td>
                      {c.bondState === "Posted" && c.bond !== "0" ? (
                        <WithdrawBond trainer={address} bountyId={c.bountyId} />
                      ) : null}
                      {c.status === "Funded" ? (
                        <Link to={`/bounties/${c.bountyId}`}>submit a checkpoint</Link>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="subs-heading">
        <h2 id="subs-heading">Submissions</h2>
        {submissions.length === 0 ? (
          <p>No checkpoint submitted yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Bounty</th>
                  <th scope="col">Score</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Report</th>
                </tr>
              </thead>
              <tbody>
                {submissions.map((s) => (
                  <tr key={s.submissionId}>
                    <td>{s.submissionId}</td>
                    <td>
                      <Link to={`/bounties/${s.bountyId}`}>#{s.bountyId}</Link>
                    </td>
                    <td>
                      {s.score ?? "—"}
                      {s.best ? <strong> best</strong> : null}
                    </td>
                    <td>
                      {s.verdict}
                      {s.outcome === "copy" ? <span className="flag"> copy</span> : null}
                      {s.outcome === "invalid" ? <span className="muted"> ({s.reason})</span> : null}
                    </td>
                    <td>{s.reportSha256 ? <a href={`/artifacts/${s.reportSha256}`}>report</a> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="payments-heading">
        <h2 id="payments-heading">Payouts and refunds</h2>
        {payments.length === 0 ? (
          <p>Nothing paid yet.</p>
        ) : (
          <ul>
            {payments.map((p) => (
              <li key={`${p.txHash}-${p.logIndex}`}>
                {p.kind} of {formatTokenAmount(p.amount, p)} from{" "}
                <Link to={`/bounties/${p.bountyId}`}>#{p.bountyId}</Link> in{" "}
                <code title={p.txHash}>{shortHex(p.txHash, 10, 6)}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
