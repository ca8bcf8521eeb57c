import {
  type ActionFunctionArgs,
  type HeadersFunction,
  json,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { formatUtc } from "../../core/format.js";
import { Badge } from "../components/ui/Badge.js";
import { WebhookSettings } from "../components/WebhookSettings.js";
import {
  listNotifications,
  markNotificationsRead,
  unreadNotificationCount,
} from "../models/notification.server.js";
import { services } from "../services.server.js";
import { readForm, requireMethod } from "../utils/api.server.js";
import { requireCsrf, requireUser } from "../utils/session.server.js";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.unread ? `Notifications (${data.unread}) · Crowdtrain` : "Notifications · Crowdtrain" },
];

/** Personal pages are never stored by shared caches. */
const PRIVATE = { "Cache-Control": "private, no-store" };

/** The document carries the loader's (or the action's) cache headers. */
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

/** GET /notifications: the signed-in account's notifications, newest first (signed out: to sign in). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, "page");
  const { db, config } = await services();
  const [notifications, unread] = await Promise.all([
    listNotifications(db.db, config.CHAIN_ID, user.address),
    unreadNotificationCount(db.db, config.CHAIN_ID, user.address),
  ]);
  return json({ address: user.address, csrf: user.csrf, notifications, unread }, { headers: PRIVATE });
}

/** The "mark all read" form: up to the newest notification the page showed. */
const markReadForm = z.object({
  intent: z.literal("mark-all-read", { message: "unknown action" }),
  upTo: z.coerce.number({ message: "must be a notification id" }).int().positive(),
});

type ActionData = { ok: true; marked: number } | { ok: false; errors: Record<string, string> };

/** POST /notifications (with the session's CSRF token): marks the account's notifications read. */
export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "page");
  const form = await readForm(request);
  requireCsrf(request, user, form);
  const parsed = markReadForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const errors = Object.fromEntries(
      parsed.error.issues.map((i) => [String(i.path[0] ?? "form"), i.message]),
    );
    return json<ActionData>({ ok: false, errors }, { status: 400, headers: PRIVATE });
  }
  const { db, config } = await services();
  const marked = await markNotificationsRead(db.db, config.CHAIN_ID, user.address, parsed.data.upTo);
  return json<ActionData>({ ok: true, marked }, { headers: PRIVATE });
}

export default function Notifications() {
  const { notifications, unread, csrf } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const newest = notifications.reduce((max, n) => Math.max(max, n.id), 0);
  return (
    <>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="mb-1">Notifications</h1>
          <p className="muted mt-0">{unread === 0 ? "Nothing unread." : `${unread} unread.`}</p>
        </div>
        {unread > 0 ? (
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <input type="hidden" name="intent" value="mark-all-read" />
            <input type="hidden" name="upTo" value={newest} />
            <button type="submit" className="btn-secondary" disabled={busy}>
              Mark all read
            </button>
          </Form>
        ) : null}
      </div>
      {result && !result.ok ? (
        <p className="field-error" role="alert">
          {Object.values(result.errors).join("; ")}
        </p>
      ) : null}
      {result?.ok ? (
        <p role="status">{`Marked ${result.marked} notification${result.marked === 1 ? "" : "s"} read.`}</p>
      ) : null}
      {notifications.length === 0 ? (
        <p className="muted">
          When a bounty you backed, trained or proposed is funded, trained, scored, disputed or finalized, you
          hear about it here.
        </p>
      ) : (
        <ul aria-label="Your notifications" className="notification-list">
          {notifications.map((n) => (
            <li key={n.id} className={n.read ? undefined : "unread"}>
              {n.read ? null : (
                <>
                  <Badge tone="accent">New</Badge>{" "}
                </>
              )}
              <Link to={`/bounties/${n.bountyId}`}>{n.message}</Link>
              <span className="muted block">
                <time dateTime={n.createdAt}>{formatUtc(n.createdAt)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      <WebhookSettings csrf={csrf} />
    </>
  );
}
