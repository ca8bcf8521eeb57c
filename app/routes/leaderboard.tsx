import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { formatScore, formatTokenAmount, formatValue, shortHex } from "../../core/format.js";
import { METRIC_NAMES, TASK_TYPES } from "../../core/spec.js";
import {
  formatMargin,
  LEADERBOARD_LIMIT,
  leaderboard,
  parseLeaderboardQuery,
  type TokenAmount,
  type TrainerSort,
} from "../models/leaderboard.server.js";
import { services } from "../services.server.js";

export const meta: MetaFunction = () => [
  { title: "Leaderboard · Crowdtrain" },
  {
    name: "description",
    content:
      "The best models across bounties by margin over their target, the top trainers and the top backers.",
  },
];

/** The trainers' rankings, labelled (the model owns the list; the compiler checks every one has a label). */
const TRAINER_SORT_LABELS: Record<TrainerSort, string> = {
  wins: "wins",
  earnings: "earnings",
  scored: "scored submissions",
};

/** An account's amounts per token, as the page shows them. */
const amounts = (rows: TokenAmount[]) =>
  rows.map((row) => formatTokenAmount(row.amount, { tokenSymbol: row.symbol, tokenDecimals: row.decimals }));

/** GET /leaderboard?task=&metric=&trainers=: a 400 with the form's field errors on bad input. */
export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const parsed = parseLeaderboardQuery(params);
  const values = Object.fromEntries(params);
  if (!parsed.ok) {
    return json(
      { fieldErrors: parsed.fieldErrors, values, boards: null, filtered: false, limit: LEADERBOARD_LIMIT },
      { status: 400 },
    );
  }
  const { db, config } = await services();
  const boards = await leaderboard(db.db, config.CHAIN_ID, parsed.query, config.TOKEN_PRICES);
  // Only what the tables show goes to the browser, formatted (scores carry 9 decimals on-chain).
  return json({
    fieldErrors: {} as Record<string, string>,
    values,
    filtered: parsed.query.task !== undefined || parsed.query.metric !== undefined,
    limit: LEADERBOARD_LIMIT,
    boards: {
      models: boards.models.map((m) => ({
        bountyId: m.bountyId,
        name: m.name,
        task: m.task,
        metric: m.metric,
        better: m.direction === "LowerIsBetter" ? "≤" : "≥",
        status: m.status,
        won: m.won,
        trainer: m.trainer,
        score: formatScore(m.score),
        exactScore: String(m.score),
        target: formatScore(m.target),
        margin: m.margin === null ? null : formatMargin(m.margin),
      })),
      trainers: boards.trainers.map((t) => ({
        account: t.account,
        wins: t.wins,
        scored: t.scored,
        earnings: amounts(t.earnings),
        value: t.earningsValue === null ? null : formatValue(t.earningsValue),
      })),
      backers: boards.backers.map((b) => ({
        account: b.account,
        bounties: b.bounties,
        funded: amounts(b.funded),
        value: b.fundedValue === null ? null : formatValue(b.fundedValue),
      })),
    },
  });
}

/** An account, shortened, linking to its page (the full address in a title). */
function Account({ address }: { address: string }) {
  return (
    <Link to={`/accounts/${address}`}>
      <code title={address}>{shortHex(address)}</code>
    </Link>
  );
}

/**
 * A row's place on its board, before the name in the row's header cell (which stays in view as a narrow
 * table scrolls sideways).
 */
function Rank({ of }: { of: number }) {
  return <span className="muted">{`${of + 1}. `}</span>;
}

/** A model's result while it has not won: where its bounty stands. */
function result(status: string): string {
  if (status === "Verifying") return "best, in verification";
  if (status === "Funded") return "leading, open";
  return status.toLowerCase();
}

export default function LeaderboardPage() {
  const { fieldErrors, values, boards, filtered, limit } = useLoaderData<typeof loader>();
  const field = (name: string, label: string, input: React.ReactNode) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      {input}
      {fieldErrors[name] ? (
        <span className="field-error" id={`e-${name}`} role="alert">
          {fieldErrors[name]}
        </span>
      ) : null}
    </div>
  );
  const described = (name: string) =>
    fieldErrors[name] ? { "aria-invalid": true, "aria-describedby": `e-${name}` } : {};
  const forFilters = filtered ? " for these filters" : "";
  return (
    <>
      <h1>Leaderboard</h1>
      <Form method="get" className="filters" aria-label="Filter the leaderboard">
        {field(
          "task",
          "Task",
          <select id="f-task" name="task" defaultValue={values.task ?? ""} {...described("task")}>
            <option value="">any</option>
            {TASK_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>,
        )}
        {field(
          "metric",
          "Metric",
          <select id="f-metric" name="metric" defaultValue={values.metric ?? ""} {...described("metric")}>
            <option value="">any</option>
            {METRIC_NAMES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>,
        )}
        {field(
          "trainers",
          "Rank trainers by",
          <select
            id="f-trainers"
            name="trainers"
            defaultValue={values.trainers ?? "wins"}
            {...described("trainers")}
          >
            {Object.entries(TRAINER_SORT_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>,
        )}
        <button type="submit">Apply</button>
      </Form>
      {fieldErrors.query ? (
        <p className="field-error" role="alert">
          {fieldErrors.query}
        </p>
      ) : null}
      {boards ? (
        <>
          <p className="muted">
            Up to {limit} on each board. The task and metric filters apply to all three: a trainer's wins,
            earnings and submissions, and a backer's contributions, count on the bounties they keep.
          </p>
          <section aria-labelledby="models-heading">
            <h2 id="models-heading">Models</h2>
            <p className="muted">
              Each bounty's best qualifying submission, ranked by its margin over the target: how far the
              score beats the target, as a share of the way to the metric's ideal value (0% just meets it,
              100% is ideal), so that models scored by different metrics compare.
            </p>
            {boards.models.length === 0 ? (
              <p>No scored model yet{forFilters}.</p>
            ) : (
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Bounty</th>
                      <th scope="col">Task</th>
                      <th scope="col">Metric</th>
                      <th scope="col">Score</th>
                      <th scope="col">Target</th>
                      <th scope="col">Margin</th>
                      <th scope="col">Trainer</th>
                      <th scope="col">Bounty status</th>
                      <th scope="col">Result</th>
                    </tr>
                  </thead>
                  <tbody>
                    {boards.models.map((m, i) => (
                      <tr key={m.bountyId}>
                        <th scope="row">
                          <Rank of={i} />
                          <Link to={`/bounties/${m.bountyId}`}>{m.name ?? `Bounty #${m.bountyId}`}</Link>
                        </th>
                        <td>{m.task ?? "?"}</td>
                        <td>{m.metric}</td>
                        <td>
                          <span title={m.exactScore}>{m.score}</span>
                        </td>
                        <td>
                          {m.better} {m.target}
                        </td>
                        <td>{m.margin ?? "—"}</td>
                        <td>{m.trainer ? <Account address={m.trainer} /> : "—"}</td>
                        <td>{m.status}</td>
                        <td>{m.won ? <strong>won</strong> : result(m.status)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="trainers-heading">
            <h2 id="trainers-heading">Trainers</h2>
            <dl className="facts muted">
              <dt>Wins</dt>
              <dd>Fulfilled bounties whose best submission is theirs.</dd>
              <dt>Earnings</dt>
              <dd>
                Payouts withdrawn, in each token; their value is whole tokens × each token's reference price
                (1 unless configured), as the home page ranks funding.
              </dd>
              <dt>Scored</dt>
              <dd>Submissions with a published score, whether or not it met the target.</dd>
            </dl>
            {boards.trainers.length === 0 ? (
              <p>No trainer has a scored submission yet{forFilters}.</p>
            ) : (
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Trainer</th>
                      <th scope="col">Wins</th>
                      <th scope="col">Earnings</th>
                      <th scope="col">Value</th>
                      <th scope="col">Scored submissions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {boards.trainers.map((t, i) => (
                      <tr key={t.account}>
                        <th scope="row">
                          <Rank of={i} />
                          <Account address={t.account} />
                        </th>
                        <td>{t.wins}</td>
                        <td>{t.earnings.length === 0 ? "—" : t.earnings.join(" + ")}</td>
                        <td>{t.value ?? "—"}</td>
                        <td>{t.scored}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="backers-heading">
            <h2 id="backers-heading">Backers</h2>
            <p className="muted">
              These are public on-chain contributions: every backing mints the backer's shares on the bounty
              board, for anyone reading the chain to see. Amounts are what each account contributed, before
              any refund, ranked by their value across tokens (whole tokens × reference price).
            </p>
            {boards.backers.length === 0 ? (
              <p>No contribution yet{forFilters}.</p>
            ) : (
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Backer</th>
                      <th scope="col">Funded</th>
                      <th scope="col">Value</th>
                      <th scope="col">Bounties backed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {boards.backers.map((b, i) => (
                      <tr key={b.account}>
                        <th scope="row">
                          <Rank of={i} />
                          <Account address={b.account} />
                        </th>
                        <td>{b.funded.join(" + ")}</td>
                        <td>{b.value ?? "—"}</td>
                        <td>{b.bounties}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
