import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { formatTokenAmount, percentOf, shortHex } from "../../core/format.js";
import { TASK_TYPES } from "../../core/spec.js";
import { StatusBadge } from "../components/ui/Badge.js";
import { DataTable } from "../components/ui/DataTable.js";
import { Progress } from "../components/ui/Progress.js";
import { type BountyListQuery, listBounties, parseBountyListQuery } from "../models/bounty.server.js";
import { services } from "../services.server.js";
import { BOUNTY_SORTS, LISTED_STATUSES } from "../utils/bounty-list.js";

export const meta: MetaFunction = () => [{ title: "Bounties · Crowdtrain" }];

/** GET /bounties?q=&status=&task=&token=&dao=&sort=&page=: a 400 with the form's field errors on bad input. */
export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const parsed = parseBountyListQuery(params);
  const echo = Object.fromEntries(params);
  if (!parsed.ok) {
    return json({ fieldErrors: parsed.fieldErrors, values: echo, list: null, query: null }, { status: 400 });
  }
  const { db, config } = await services();
  const list = await listBounties(db.db, config.CHAIN_ID, parsed.query, config.TOKEN_PRICES);
  // Only what the table shows goes to the browser (the page's HTML carries it a second time, for hydration).
  const rows = list.rows.map((b) => ({
    bountyId: b.bountyId,
    name: b.name,
    task: b.task,
    status: b.status,
    raised: b.raised,
    goal: b.goal,
    tokenSymbol: b.tokenSymbol,
    tokenDecimals: b.tokenDecimals,
    backerCount: b.backerCount,
    dao: b.dao,
  }));
  return json({
    fieldErrors: {} as Record<string, string>,
    values: echo,
    list: { ...list, rows },
    query: parsed.query,
  });
}

function pageLink(query: BountyListQuery, page: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, page })) {
    if (value !== undefined && !(key === "sort" && value === "funding") && !(key === "page" && value === 1)) {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `/bounties?${text}` : "/bounties";
}

export default function Bounties() {
  const { fieldErrors, values, list, query } = useLoaderData<typeof loader>();
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
  return (
    <>
      <h1>Bounties</h1>
      <p className="muted -mt-2">
        Open-model training bounties, funded on-chain. Filter by status, task, token or DAO, or search the
        names and descriptions.
      </p>
      <Form method="get" className="filters" aria-label="Filter bounties">
        {field(
          "q",
          "Search",
          <input
            id="f-q"
            name="q"
            type="search"
            placeholder="words of a name or description, or a DAO's 0x…"
            defaultValue={values.q ?? ""}
            maxLength={200}
            {...described("q")}
          />,
        )}
        {field(
          "status",
          "Status",
          <select id="f-status" name="status" defaultValue={values.status ?? ""} {...described("status")}>
            <option value="">any</option>
            {LISTED_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>,
        )}
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
          "token",
          "Token",
          <input
            id="f-token"
            name="token"
            placeholder="0x…"
            defaultValue={values.token ?? ""}
            {...described("token")}
          />,
        )}
        {field(
          "dao",
          "DAO",
          <input
            id="f-dao"
            name="dao"
            placeholder="0x…"
            defaultValue={values.dao ?? ""}
            {...described("dao")}
          />,
        )}
        {field(
          "sort",
          "Sort by",
          <select id="f-sort" name="sort" defaultValue={values.sort ?? "funding"} {...described("sort")}>
            {BOUNTY_SORTS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>,
        )}
        <div>
          <button type="submit">Apply</button>
        </div>
      </Form>
      {fieldErrors.page ? (
        <p className="field-error" role="alert">
          {fieldErrors.page}
        </p>
      ) : null}
      {list && query ? (
        <>
          <p className="muted">
            {list.total} {list.total === 1 ? "bounty" : "bounties"}
          </p>
          {list.rows.length === 0 ? (
            <p>No bounty matches these filters.</p>
          ) : (
            <DataTable label="Bounties">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Bounty</th>
                    <th scope="col">Task</th>
                    <th scope="col">Status</th>
                    <th scope="col">Funded</th>
                    <th scope="col">Backers</th>
                    <th scope="col">DAO</th>
                  </tr>
                </thead>
                <tbody>
                  {list.rows.map((b) => (
                    <tr key={b.bountyId}>
                      <td>
                        <Link to={`/bounties/${b.bountyId}`}>
                          #{b.bountyId} {b.name ?? "(spec not registered)"}
                        </Link>
                      </td>
                      <td>{b.task ?? "?"}</td>
                      <td>
                        <StatusBadge status={b.status} />
                      </td>
                      <td>
                        <Progress value={percentOf(b.raised, b.goal)} label={`bounty ${b.bountyId} funding`}>
                          {percentOf(b.raised, b.goal)}%
                        </Progress>
                        <div className="muted whitespace-nowrap">
                          {formatTokenAmount(b.raised, b)} of {formatTokenAmount(b.goal, b)}
                        </div>
                      </td>
                      <td>{b.backerCount}</td>
                      <td>
                        <code title={b.dao}>{shortHex(b.dao)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </DataTable>
          )}
          <nav className="pagination" aria-label="Pages">
            {list.page > 1 ? <Link to={pageLink(query, list.page - 1)}>← Previous</Link> : <span />}
            <span>
              Page {list.page} of {list.pages}
            </span>
            {list.page < list.pages ? <Link to={pageLink(query, list.page + 1)}>Next →</Link> : <span />}
          </nav>
        </>
      ) : null}
    </>
  );
}
