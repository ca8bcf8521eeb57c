/**
 * /notifications/webhook: the signed-in account's webhook. GET: its URL, secret and latest delivery (JSON,
 * never cached). POST (a form with the session's CSRF token): `intent` save (with `url`), rotate-secret or
 * remove. Every failure says what was wrong; nothing is half-written (each intent is one statement).
 */
import { type ActionFunctionArgs, json, type LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import {
  findWebhook,
  removeWebhook,
  rotateWebhookSecret,
  saveWebhook,
  type WebhookView,
  webhookUrlProblemFor,
} from "../models/webhook.server.js";
import { services } from "../services.server.js";
import { readForm, requireMethod } from "../utils/api.server.js";
import { requireCsrf, requireUser } from "../utils/session.server.js";

const PRIVATE = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, "api");
  const { db, config } = await services();
  return json({ webhook: await findWebhook(db.db, config.CHAIN_ID, user.address) }, { headers: PRIVATE });
}

const webhookForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("save"), url: z.string().trim().min(1, "Enter the webhook's URL.") }),
  z.object({ intent: z.literal("rotate-secret") }),
  z.object({ intent: z.literal("remove") }),
]);

export type WebhookActionData =
  | { ok: true; message: string; webhook: WebhookView | null }
  | { ok: false; errors: Record<string, string> };

export async function action({ request }: ActionFunctionArgs) {
  requireMethod(request, "POST");
  const user = await requireUser(request, "api");
  const form = await readForm(request);
  requireCsrf(request, user, form);
  const fail = (errors: Record<string, string>) =>
    json<WebhookActionData>({ ok: false, errors }, { status: 400, headers: PRIVATE });
  const parsed = webhookForm.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === "url" ? "url" : "form";
    return fail({ [field]: field === "url" ? (issue?.message ?? "invalid") : "Unknown webhook action." });
  }
  const { db, config } = await services();
  const done = async (message: string) =>
    json<WebhookActionData>(
      { ok: true, message, webhook: await findWebhook(db.db, config.CHAIN_ID, user.address) },
      { headers: PRIVATE },
    );
  switch (parsed.data.intent) {
    case "save": {
      const problem = webhookUrlProblemFor(config, parsed.data.url);
      if (problem) return fail({ url: problem });
      await saveWebhook(db.db, config.CHAIN_ID, user.address, parsed.data.url);
      return done("Webhook saved: your notifications from now on are sent to it.");
    }
    case "rotate-secret":
      return (await rotateWebhookSecret(db.db, config.CHAIN_ID, user.address))
        ? done("A new secret signs your webhook's deliveries from now on.")
        : fail({ form: "You have no webhook to rotate a secret for." });
    case "remove":
      return (await removeWebhook(db.db, config.CHAIN_ID, user.address))
        ? done("Webhook removed: nothing more is sent to it.")
        : fail({ form: "You have no webhook to remove." });
  }
}
