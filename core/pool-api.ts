/**
 * The pool agents' HTTP API: paths and JSON bodies, validated with zod on both
 * sides (the Remix resource routes under app/routes/api.pool.* and the agent
 * CLI in agent/). Every call carries `Authorization: Bearer <pool token>`.
 *
 *   POST /api/pool/lease                      {waitSeconds}            200 {lease} | 204 nothing to do
 *   POST /api/pool/leases/:id/heartbeat       {percent, step?, loss?}  200 {expiresAt}
 *   PUT  /api/pool/leases/:id/artifact        raw ONNX bytes, header x-content-sha256: <hex>
 *                                                                      201 {sha256, size, uri}
 *   POST /api/pool/leases/:id/complete        {checkpointSha256, checkpointUri, submissionTx?}  200 {}
 *   POST /api/pool/leases/:id/fail            {reason, retryable}      200 {retried}
 *   GET  /api/pool/me                                                   200 {pool}
 *
 * Errors are JSON `{error, issues?}`: 400 a malformed body (each issue names its field), 401 a missing,
 * unknown or revoked token, 403 another pool's lease, 404 no such lease, 409 a lease already lost or
 * ended, 413 an artifact over the size limit, 429 the pool already holds all its leases.
 * Browser-safe: no server imports.
 */
import { z } from "zod";

export const POOL_API = {
  lease: "/api/pool/lease",
  me: "/api/pool/me",
  heartbeat: (leaseId: string) => `/api/pool/leases/${leaseId}/heartbeat`,
  artifact: (leaseId: string) => `/api/pool/leases/${leaseId}/artifact`,
  complete: (leaseId: string) => `/api/pool/leases/${leaseId}/complete`,
  fail: (leaseId: string) => `/api/pool/leases/${leaseId}/fail`,
} as const;

/** The header carrying an artifact's sha256 (64 lower-case hex digits) on upload. */
export const SHA256_HEADER = "x-content-sha256";
/** The longest a lease call may wait for a job. */
export const MAX_LEASE_WAIT_SECONDS = 30;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits (a sha256)");
const txHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte transaction hash");
const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const leaseRequestSchema = z.strictObject({
  waitSeconds: z.number().int("must be a whole number").min(0).max(MAX_LEASE_WAIT_SECONDS).default(0),
});

export const heartbeatSchema = z.strictObject({
  percent: finite.min(0, "must be 0-100").max(100, "must be 0-100"),
  step: z.number().int("must be a whole number").min(0).max(2_147_483_647).optional(),
  loss: finite.optional(),
});

export const completeSchema = z.strictObject({
  checkpointSha256: sha256Hex,
  checkpointUri: z.string().url("must be a URL").max(2_048),
  submissionTx: txHash.optional(),
  /** Also lease the pool its next job in the same call (answered as `next`, null when none waits). */
  next: z.boolean().optional(),
});

export const failSchema = z.strictObject({
  reason: z.string().trim().min(1, "is required").max(2_000),
  retryable: z.boolean(),
});

/** A lease as the agent receives it. */
export const leaseViewSchema = z.object({
  leaseId: z.string(),
  jobId: z.string(),
  attempt: z.number().int(),
  expiresAt: z.number(),
  heartbeatIntervalMs: z.number().int(),
  bounty: z.object({
    chainId: z.number().int(),
    bountyId: z.string(),
    board: z.string(),
    token: z.string(),
    specHash: z.string(),
  }),
  /** The bounty spec (validated by the trainer with core/spec.ts). */
  spec: z.unknown(),
});

export type LeaseRequest = z.input<typeof leaseRequestSchema>;
export type HeartbeatBody = z.infer<typeof heartbeatSchema>;
export type CompleteBody = z.infer<typeof completeSchema>;
export type FailBody = z.infer<typeof failSchema>;
export type LeaseView = z.infer<typeof leaseViewSchema>;

export const leaseResponseSchema = z.object({ lease: leaseViewSchema });
export const heartbeatResponseSchema = z.object({ expiresAt: z.number() });
export const artifactResponseSchema = z.object({
  sha256: sha256Hex,
  size: z.number().int(),
  uri: z.string(),
});
export const completeResponseSchema = z.object({ next: leaseViewSchema.nullable().optional() });
export const failResponseSchema = z.object({ retried: z.boolean() });
export const errorResponseSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
