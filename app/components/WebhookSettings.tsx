/**
 * The webhook form on /notifications: a URL where every notification is POSTed, signed; the secret to check
 * signatures with; the latest delivery. Talks to /notifications/webhook (its own loader and action), so the
 * notifications list around it is not reloaded.
 */
import { useFetcher } from "@remix-run/react";
import { useEffect, useId } from "react";
import { formatUtc } from "../../core/format.js";
import type { loader, WebhookActionData } from "../routes/notifications.webhook.js";

export function WebhookSettings({ csrf }: { csrf: string }) {
  const current = useFetcher<typeof loader>();
  const change = useFetcher<WebhookActionData>();
  const urlId = useId();
  const errorId = useId();
  const { load } = current;
  useEffect(() => {
    load("/notifications/webhook");
  }, [load]);
  // After a change, what the action answered is the latest state.
  const webhook = change.data?.ok === true ? change.data.webhook : (current.data?.webhook ?? null);
  const errors = change.data && !change.data.ok ? change.data.errors : {};
  const busy = change.state !== "idle";
  return (
    <section aria-labelledby="webhook-heading" className="card">
      <h2 id="webhook-heading">Webhook</h2>
      <p className="muted">
        Each of your notifications is also POSTed as JSON to this URL, signed with the secret below (header{" "}
        <code>Crowdtrain-Signature: t=…,v1=…</code>, HMAC-SHA256 of <code>t.body</code>), and retried for
        about ten minutes until your server answers 2xx. See docs/notifications.md.
      </p>
      <change.Form method="post" action="/notifications/webhook" className="filters">
        <input type="hidden" name="csrf" value={csrf} />
        <div className="field">
          <label htmlFor={urlId}>Webhook URL</label>
          <input
            id={urlId}
            name="url"
            type="url"
            required
            placeholder="https://example.org/crowdtrain"
            defaultValue={webhook?.url ?? ""}
            key={webhook?.url ?? "none"}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={errors.url ? errorId : undefined}
            size={40}
          />
          {errors.url ? (
            <span id={errorId} className="field-error">
              {errors.url}
            </span>
          ) : null}
        </div>
        <button type="submit" name="intent" value="save" disabled={busy}>
          {webhook ? "Change URL" : "Save webhook"}
        </button>
      </change.Form>
      {webhook ? (
        <>
          <dl className="facts">
            <dt>Secret</dt>
            <dd>
              <code>{webhook.secret}</code>
            </dd>
            <dt>Latest delivery</dt>
            <dd>
              {webhook.lastAttemptAt ? (
                <>
                  {formatUtc(webhook.lastAttemptAt)}: {webhook.lastResult}
                </>
              ) : (
                "none yet"
              )}
            </dd>
          </dl>
          <change.Form method="post" action="/notifications/webhook" className="filters">
            <input type="hidden" name="csrf" value={csrf} />
            <button type="submit" name="intent" value="rotate-secret" disabled={busy}>
              New secret
            </button>
            <button type="submit" name="intent" value="remove" disabled={busy}>
              Remove webhook
            </button>
          </change.Form>
        </>
      ) : null}
      {change.data?.ok ? <p role="status">{change.data.message}</p> : null}
      {errors.form ? <p role="alert">{errors.form}</p> : null}
    </section>
  );
}
