/**
 * JSON API plumbing for resource routes: error responses in one shape
 * (`{error, issues?}`, see core/pool-api.ts), and body parsing with zod that
 * answers 400 naming each bad field. Guards throw their Response, so a
 * caller cannot forget to check.
 */
import type { z } from "zod";

export function apiError(
  status: number,
  error: string,
  issues?: { path: string; message: string }[],
): Response {
  return Response.json(issues ? { error, issues } : { error }, {
    status,
    headers: { "Cache-Control": "no-store" },
  });
}

/** The request's JSON body parsed with `schema`; throws a 400 Response naming each bad field. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.includes("application/json")) {
    throw apiError(415, "the body must be JSON (Content-Type: application/json)");
  }
  let body: unknown;
  try {
    const text = await request.text();
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw apiError(400, "the body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join(".") : "(body)",
      message: issue.message,
    }));
    throw apiError(400, `invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
  }
  return parsed.data;
}

/** Only `allowed` methods reach an action; anything else is a 405. */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The request's form, or a 4xx naming what is wrong: 415 for a body that is not a form, 400 for a form
 * that does not parse (a multipart body without its boundary, a truncated part).
 */
export async function readForm(request: Request): Promise<FormData> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORM_TYPES.includes(type)) {
    throw apiError(
      415,
      `send a form (${FORM_TYPES.join(" or ")}), not ${type || "a body without a Content-Type"}`,
    );
  }
  try {
    return await request.formData();
  } catch (error) {
    throw apiError(
      400,
      `the form could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A route's answer to a method it has no handler for: 405 with `Allow`, as a `loader` (for an action-only
 * route) or an `action` (for a read-only one). Without it Remix answers a bare 400 or 405.
 */
export function onlyMethods(...allowed: string[]) {
  return ({ request }: { request: Request }): never => {
    throw new Response(
      JSON.stringify({ error: `${request.method} is not supported here; use ${allowed.join(" or ")}` }),
      { status: 405, headers: { Allow: allowed.join(", "), "Content-Type": "application/json" } },
    );
  };
}

export function requireMethod(request: Request, ...allowed: string[]): void {
  if (!allowed.includes(request.method)) {
    throw new Response(JSON.stringify({ error: `use ${allowed.join(" or ")}` }), {
      status: 405,
      headers: { Allow: allowed.join(", "), "Content-Type": "application/json" },
    });
  }
}
