import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { isAddress } from "viem";
import { formatTokenAmount, formatUtc, shortHex } from "../../core/format.js";
import { fromOnchainScore } from "../../core/spec.js";
import { AccountActionButton, AccountActionsProvider, OwnerOnly } from "../components/AccountActions.js";
import { ClaimsTable, SubmissionsTable } from "../components/AccountBonds.js";
import { DepositRevenue } from "../components/DepositRevenue.js";
import { formatShares, TransferShares } from "../components/TransferShares.js";
import { TxLink } from "../components/TxLink.js";
import { accountDesk, DESK_CAP, type ProposalRow, parseCursor } from "../models/account.server.js";
import { services } from "../services.server.js";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Account ${shortHex(data.address)} · Crowdtrain` : "Account · Crowdtrain" },
];

/**
 * GET /accounts/:address: an account's desk (positions, payouts, bonds and submissions, roles, a DAO's
 * proposals and disputes, its history; `?before=block:log` pages the history back). 400 for a bad address.
 */
export async function loader({ params, request }: LoaderFunctionArgs) {
  const raw = params.address ?? "";
  if (!isAddress(raw, { strict: false })) {
    throw json({ error: "An account address is 0x followed by 40 hexadecimal characters." }, { status: 400 });
  }
  const beforeText = new URL(request.url).searchParams.get("before");
  const before = beforeText === null ? undefined : parseCursor(beforeText);
  if (before === null) {
    throw json(
      { error: "before is a place in the history, a block and log index such as 1234:0." },
      { status: 400 },
    );
  }
  const { db, config } = await services();
  const desk = await accountDesk(db.db, config.CHAIN_ID, raw, { before });
  return json({
    ...desk,
    paged: before !== undefined,
    /** The cap, when the positions reached it (the oldest are left out). */
    positionsCap: desk.positionsCapped ? DESK_CAP : null,
    submissions: desk.submissions.map((s) => ({
      ...s,
      score: s.score === null ? null : fromOnchainScore(BigInt(s.score)),
    })),
  });
}

const LIVE = new Set(["Funding", "Funded", "Verifying"]);

function RevealState({ bountyId, reveal }: { bountyId: string; reveal: ProposalRow["reveal"] }) {
  const at = reveal.at ? <time dateTime={reveal.at}>{formatUtc(reveal.at)}</time> : null;
  switch (reveal.state) {
    case "revealed":
      return <>Revealed {at}</>;
    case "due":
      return (
        <>
          Due by {at} (<Link to={`/bounties/${bountyId}`}>reveal it on the bounty page</Link>)
        </>
      );
    case "overdue":
      return <>Not revealed by {at}: the payout unlocks without it</>;
    case "after-finalization":
      return <>Private until the bounty is finalized</>;
    case "not-revealed":
      return <>Not revealed</>;
    case "not-needed":
      return <>Not needed: the bounty was cancelled</>;
  }
}

export default function Account() {
  const data = useLoaderData<typeof loader>();
  const { address, positions, payouts, claims, submissions, proposals, arbiterOf, openDisputes, history } =
    data;
  return (
    <>
      <h1>
        Account <code>{shortHex(address)}</code>
      </h1>
      <p className="muted">
        <code>{address}</code>
        {data.indexedThrough !== null ? ` · as indexed through block ${data.indexedThrough}` : null}
      </p>
      <AccountActionsProvider address={address} version={history[0]?.key ?? ""}>
        {proposals.length > 0 ? (
          <section aria-labelledby="dao-heading">
            <h2 id="dao-heading">DAO desk</h2>
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Proposal</th>
                    <th scope="col">Status</th>
                    <th scope="col">Raised</th>
                    <th scope="col">Eval set</th>
                    <th scope="col">Revenue deposited</th>
                    <th scope="col">Open disputes</th>
                    <OwnerOnly>
                      <th scope="col">Actions</th>
                    </OwnerOnly>
                  </tr>
                </thead>
                <tbody>
                  {proposals.map((p) => (
                    <tr key={p.bountyId}>
                      <td>
                        <Link to={`/bounties/${p.bountyId}`}>{p.name ?? `Bounty #${p.bountyId}`}</Link>
                      </td>
                      <td>{p.status}</td>
                      <td>
                        {formatTokenAmount(p.raised, p)} of {formatTokenAmount(p.goal, p)}
                      </td>
                      <td>
                        <RevealState bountyId={p.bountyId} reveal={p.reveal} />
                      </td>
                      <td>{formatTokenAmount(p.revenueDeposited, p)}</td>
                      <td>{p.openDisputes}</td>
                      <OwnerOnly>
                        <td>
                          {p.status === "Fulfilled" ? (
                            <DepositRevenue
                              bountyId={p.bountyId}
                              token={p.token}
                              decimals={p.tokenDecimals}
                              symbol={p.tokenSymbol}
                            />
                          ) : null}
                        </td>
                      </OwnerOnly>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ) : null}

        {proposals.length > 0 || arbiterOf.length > 0 ? (
          <section aria-labelledby="disputes-heading">
            <h2 id="disputes-heading">Disputes awaiting an arbiter</h2>
            {openDisputes.length === 0 ? (
              <p>No open dispute of its bounties, or of those it arbitrates.</p>
            ) : (
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Dispute</th>
                      <th scope="col">Bounty</th>
                      <th scope="col">Submission</th>
                      <th scope="col">Disputer</th>
                      <th scope="col">Bond</th>
                      <th scope="col">Arbiter</th>
                      <th scope="col">Ruling due by</th>
                    </tr>
                  </thead>
                  <tbody>
                    {openDisputes.map((d) => (
                      <tr key={d.disputeId}>
                        <td>#{d.disputeId}</td>
                        <td>
                          <Link to={`/bounties/${d.bountyId}`}>{d.name ?? `Bounty #${d.bountyId}`}</Link>
                        </td>
                        <td>#{d.submissionId}</td>
                        <td>
                          <Link to={`/accounts/${d.disputer}`} title={d.disputer}>
                            {shortHex(d.disputer)}
                          </Link>
                        </td>
                        <td>{formatTokenAmount(d.bond, d)}</td>
                        <td>
                          {d.mine ? (
                            <>
                              This account: <Link to={`/bounties/${d.bountyId}`}>rule on it</Link>
                            </>
                          ) : (
                            <Link to={`/accounts/${d.arbiter}`} title={d.arbiter}>
                              {shortHex(d.arbiter)}
                            </Link>
                          )}
                        </td>
                        <td>
                          <time dateTime={d.deadline}>{formatUtc(d.deadline)}</time>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        ) : null}

        <section aria-labelledby="positions-heading">
          <h2 id="positions-heading">Positions</h2>
          {positions.length === 0 ? (
            <p>No shares in any bounty.</p>
          ) : (
            <>
              <p className="muted">
                Shares are minted one for one with what a backer paid. While a bounty is live its shares stand
                for their part of the escrow, refunded if it fails; a failed or cancelled bounty's are
                refundable now; a fulfilled bounty paid its trainer, and its shares earn the model's revenue.
              </p>
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Bounty</th>
                      <th scope="col">Status</th>
                      <th scope="col">Shares</th>
                      <th scope="col">Contributed</th>
                      <th scope="col">Value</th>
                      <th scope="col">Refundable</th>
                      <th scope="col">Revenue to claim</th>
                      <OwnerOnly>
                        <th scope="col">Actions</th>
                      </OwnerOnly>
                    </tr>
                  </thead>
                  <tbody>
                    {positions.map((p) => (
                      <tr key={p.bountyId}>
                        <td>
                          <Link to={`/bounties/${p.bountyId}`}>{p.name ?? `Bounty #${p.bountyId}`}</Link>
                        </td>
                        <td>{p.status}</td>
                        <td>
                          {formatShares(p.shares, p.tokenDecimals)}
                          {p.shares !== "0" ? (
                            <span className="muted"> ({p.sharePercent}% of all)</span>
                          ) : null}
                        </td>
                        <td>
                          {formatTokenAmount(p.contributed, p)}
                          {p.refunded !== "0" ? (
                            <span className="muted"> ({formatTokenAmount(p.refunded, p)} refunded)</span>
                          ) : null}
                        </td>
                        <td>
                          {p.value === null
                            ? `${p.sharePercent}% of its revenue`
                            : `${formatTokenAmount(p.value, p)}${LIVE.has(p.status) ? " in escrow" : ""}`}
                        </td>
                        <td>{p.refundable === "0" ? "—" : formatTokenAmount(p.refundable, p)}</td>
                        <td>
                          {formatTokenAmount(p.claimableRevenue, p)}
                          {p.revenueClaimed !== "0" ? (
                            <span className="muted"> ({formatTokenAmount(p.revenueClaimed, p)} claimed)</span>
                          ) : null}
                        </td>
                        <OwnerOnly>
                          <td>
                            {p.refundable !== "0" ? (
                              <AccountActionButton
                                actionKey={`refund-${p.bountyId}`}
                                label={`Refund ${formatTokenAmount(p.refundable, p)}`}
                                step="Refunding"
                                functionName="refund"
                                args={[BigInt(p.bountyId), address]}
                                note={`Refunded ${formatTokenAmount(p.refundable, p)} from bounty #${p.bountyId}.`}
                              />
                            ) : null}
                            {p.claimableRevenue !== "0" ? (
                              <AccountActionButton
                                actionKey={`revenue-claim-${p.bountyId}`}
                                label={`Claim revenue ${formatTokenAmount(p.claimableRevenue, p)}`}
                                step="Claiming revenue"
                                functionName="claimRevenue"
                                args={[BigInt(p.bountyId), address]}
                                note={`Claimed ${formatTokenAmount(p.claimableRevenue, p)} of revenue from bounty #${p.bountyId}.`}
                              />
                            ) : null}
                            <TransferShares
                              bountyId={p.bountyId}
                              shares={p.shares}
                              decimals={p.tokenDecimals}
                            />
                          </td>
                        </OwnerOnly>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {data.positionsCap !== null ? (
                <p className="muted">Showing the {data.positionsCap} newest bounties it holds shares of.</p>
              ) : null}
            </>
          )}
        </section>

        <section aria-labelledby="payouts-heading">
          <h2 id="payouts-heading">Payouts</h2>
          {payouts.length === 0 ? (
            <p>No bounty won yet.</p>
          ) : (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Bounty</th>
                    <th scope="col">Payout</th>
                    <th scope="col">Withdrawn</th>
                  </tr>
                </thead>
                <tbody>
                  {payouts.map((p) => (
                    <tr key={`${p.bountyId}-${p.withdrawnTx}`}>
                      <td>
                        <Link to={`/bounties/${p.bountyId}`}>{p.name ?? `Bounty #${p.bountyId}`}</Link>
                      </td>
                      <td>{formatTokenAmount(p.amount, p)}</td>
                      <td>
                        {p.withdrawnTx ? (
                          <>
                            Withdrawn in <TxLink hash={p.withdrawnTx} />
                          </>
                        ) : (
                          <>
                            <span className="muted">Ready to withdraw </span>
                            <AccountActionButton
                              actionKey={`payout-${p.bountyId}`}
                              label={`Withdraw payout ${formatTokenAmount(p.amount, p)}`}
                              step="Withdrawing the payout"
                              functionName="withdrawPayout"
                              args={[BigInt(p.bountyId), address]}
                              note={`Withdrew the payout of ${formatTokenAmount(p.amount, p)} from bounty #${p.bountyId}.`}
                            />
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section aria-labelledby="bonds-heading">
          <h2 id="bonds-heading">Bonds and submissions</h2>
          {claims.length === 0 && submissions.length === 0 ? (
            <p>No claim or checkpoint yet.</p>
          ) : (
            <>
              <h3>Claims and bonds</h3>
              <ClaimsTable trainer={address} claims={claims} />
              <h3>Submissions</h3>
              <SubmissionsTable submissions={submissions} />
            </>
          )}
        </section>

        <section aria-labelledby="roles-heading">
          <h2 id="roles-heading">Roles</h2>
          {data.roles.length === 0 && proposals.length === 0 && arbiterOf.length === 0 ? (
            <p>No role on the board, and no bounty proposed or arbitrated.</p>
          ) : (
            <ul>
              {data.roles.map((r) => (
                <li key={r.role}>{r.name}</li>
              ))}
              {proposals.length > 0 ? (
                <li>
                  DAO of{" "}
                  {proposals.map((p, i) => (
                    <span key={p.bountyId}>
                      {i > 0 ? ", " : null}
                      <Link to={`/bounties/${p.bountyId}`}>#{p.bountyId}</Link>
                    </span>
                  ))}
                </li>
              ) : null}
              {arbiterOf.length > 0 ? (
                <li>
                  Arbiter of{" "}
                  {arbiterOf.map((a, i) => (
                    <span key={a.bountyId}>
                      {i > 0 ? ", " : null}
                      <Link to={`/bounties/${a.bountyId}`}>#{a.bountyId}</Link>
                    </span>
                  ))}
                </li>
              ) : null}
            </ul>
          )}
        </section>

        <section aria-labelledby="history-heading">
          <h2 id="history-heading">History</h2>
          {history.length === 0 ? (
            <p>{data.paged ? "Nothing older." : "Nothing on the board names this account yet."}</p>
          ) : (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Block</th>
                    <th scope="col">What</th>
                    <th scope="col">Bounty</th>
                    <th scope="col">Transaction</th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((h) => (
                    <tr key={h.key}>
                      <td>
                        {h.blockNumber}
                        {h.at ? (
                          <span className="muted">
                            {" "}
                            <time dateTime={h.at}>{formatUtc(h.at)}</time>
                          </span>
                        ) : null}
                      </td>
                      <td>{h.what}</td>
                      <td>{h.bountyId ? <Link to={`/bounties/${h.bountyId}`}>#{h.bountyId}</Link> : "—"}</td>
                      <td>
                        <TxLink hash={h.txHash} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.paged || data.historyNext ? (
            <nav className="pagination" aria-label="History pages">
              {data.paged ? <Link to={`/accounts/${address}`}>← Newest</Link> : <span />}
              {data.historyNext ? (
                <Link to={`/accounts/${address}?before=${data.historyNext}`}>Older →</Link>
              ) : (
                <span />
              )}
            </nav>
          ) : null}
        </section>
      </AccountActionsProvider>
    </>
  );
}
