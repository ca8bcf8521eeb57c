import { json, type MetaFunction } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { shortHex } from "../../core/format.js";
import { Badge } from "../components/ui/Badge.js";
import { DataTable } from "../components/ui/DataTable.js";
import { Progress } from "../components/ui/Progress.js";
import { usePlatform } from "../hooks/platform.js";
import { poolsOverview } from "../models/pool.server.js";
import { services } from "../services.server.js";

export const meta: MetaFunction = () => [{ title: "GPU pools · Crowdtrain" }];

export async function loader() {
  const { db, config, dispatcher } = await services();
  // The classes the dispatcher has seen (Redis): optional, the rest of the page stands without them.
  const classes = await dispatcher.classes().catch(() => null);
  // An agent calls at least every third of a lease's time to live (heartbeats), and keeps a long poll open
  // while idle: silent for two lease lifetimes, it is offline.
  const pools = await poolsOverview(db.db, config.CHAIN_ID, {
    classes,
    onlineWithinMs: 2 * config.LEASE_TTL_MS,
  });
  return json({ pools, classesUnavailable: classes === null, now: Date.now() });
}

/** "12 s ago", "3 min ago", "2 h ago", or "never". */
function ago(iso: string | null, now: number): string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3_600)} h ago`;
}

/**
 * The operator's management of its pool: a new API token (the old ones stop working at once), shown
 * here once. The agent must then be restarted with it.
 */
function RotateToken({ poolId, poolName, csrf }: { poolId: string; poolName: string; csrf: string }) {
  const fetcher = useFetcher<{ pool?: string; token?: string; error?: string }>();
  return (
    <fetcher.Form
      method="post"
      action={`/pools/${poolId}/rotate-token`}
      onSubmit={(event) => {
        if (
          !window.confirm(
            `Rotate ${poolName}'s token? Its agent stops working until restarted with the new one.`,
          )
        )
          event.preventDefault();
      }}
    >
      <input type="hidden" name="csrf" value={csrf} />
      <button type="submit" className="btn-secondary btn-sm" disabled={fetcher.state !== "idle"}>
        Rotate token
      </button>
      {fetcher.data?.token ? (
        <p role="status">
          New token for {fetcher.data.pool} (shown once; the old one is revoked):{" "}
          <code className="secret">{fetcher.data.token}</code>
        </p>
      ) : null}
      {fetcher.data?.error ? (
        <p role="alert" className="field-error">
          {fetcher.data.error}
        </p>
      ) : null}
    </fetcher.Form>
  );
}

export default function Pools() {
  const { pools, classesUnavailable, now } = useLoaderData<typeof loader>();
  const { user } = usePlatform();
  const busy = pools.reduce((sum, pool) => sum + pool.activeLeases.length, 0);
  const capacity = pools.filter((p) => p.status === "active").reduce((sum, pool) => sum + pool.maxLeases, 0);
  return (
    <>
      <h1>GPU pools</h1>
      <p className="muted">
        {pools.length} {pools.length === 1 ? "pool" : "pools"} · {busy} of {capacity} lease slots busy.
        Trainers run the pool agent (<code>npm run pool-agent</code>) with their pool's token. A pool takes
        the training classes its GPUs fit: as many GPUs or fewer, each with as much memory or less.
        {classesUnavailable ? " The training classes are unavailable right now." : ""}
      </p>
      {pools.length === 0 ? (
        <p>
          No pool is registered yet: an operator creates one with <code>npm run pools -- create</code>.
        </p>
      ) : (
        <DataTable label="GPU pools">
          <table>
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col">GPUs</th>
                <th scope="col">Leases</th>
                <th scope="col">Training</th>
                <th scope="col">Agent</th>
                <th scope="col">Takes</th>
                <th scope="col">Operator</th>
                {user ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {pools.map((pool) => (
                <tr key={pool.id}>
                  <td>
                    <span className="font-medium">{pool.name}</span>
                    {pool.status !== "active" ? (
                      <>
                        {" "}
                        <Badge>{pool.status}</Badge>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {pool.gpuCount === 0 ? "CPU" : `${pool.gpuCount} × ${pool.gpuModel}, ${pool.vramGb} GB`}
                  </td>
                  <td>
                    <Progress
                      max={pool.maxLeases}
                      value={pool.activeLeases.length}
                      label={`${pool.name} leases in use`}
                    >
                      {pool.activeLeases.length} / {pool.maxLeases}
                    </Progress>
                  </td>
                  <td>
                    {pool.activeLeases.length === 0 ? (
                      <span className="muted">idle</span>
                    ) : (
                      pool.activeLeases.map((lease) => (
                        <div key={lease.leaseId}>
                          <Link to={`/bounties/${lease.bountyId}`}>#{lease.bountyId}</Link>{" "}
                          {lease.percent ?? 0}%<span className="muted"> ({ago(lease.progressAt, now)})</span>
                        </div>
                      ))
                    )}
                  </td>
                  <td>
                    {pool.online ? <Badge tone="success">online</Badge> : <Badge>offline</Badge>}{" "}
                    <span className="muted block">last call {ago(pool.lastHeartbeatAt, now)}</span>
                  </td>
                  <td>
                    {pool.classes === null ? (
                      <span className="muted">unavailable</span>
                    ) : pool.classes.length === 0 ? (
                      <span className="muted">no queued class fits</span>
                    ) : (
                      pool.classes.map((c) => (
                        <span key={c.name} className="block" title={c.name}>
                          {c.label}
                        </span>
                      ))
                    )}
                  </td>
                  <td>
                    <code title={pool.operator}>{shortHex(pool.operator)}</code>
                  </td>
                  {user ? (
                    <td>
                      {user.address.toLowerCase() === pool.operator.toLowerCase() ? (
                        <RotateToken poolId={pool.id} poolName={pool.name} csrf={user.csrf} />
                      ) : (
                        <span className="muted">operator only</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </DataTable>
      )}
    </>
  );
}
