import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";
import { Ticket } from "./ticket.js";

/**
 * Worker-facing RPCs of the coordinator (R-T3). A worker claims a ready ticket and gets a
 * lease token; it must present the token to heartbeat, complete or fail. A token from an
 * expired or superseded lease is refused with CONFLICT, so a ticket completes once.
 */
const LeaseToken = z.string().min(1).max(100).describe("the lease token ticket.claim returned");

export const Lease = z.object({
  ticket: Ticket,
  lease: LeaseToken,
  worker: z.string(),
  agent_kind: z.string(),
  lease_expires_at: z.number().int().describe("ms since epoch; heartbeat before then"),
  deadline: z.number().int().describe("ms since epoch; the run is timed out after this"),
});
export type Lease = z.infer<typeof Lease>;

export const ticketClaim = defineMethod({
  name: "ticket.claim",
  summary:
    "Atomically lease the highest-priority ready ticket (optionally of one agent kind). Returns null with a reason when none may be claimed now (none ready, caps full, breaker open, host busy).",
  mutating: true,
  params: z.object({
    worker: Name.describe("who is claiming; recorded as lease_owner"),
    agent_kind: Name.optional().describe("claim only tickets of this kind"),
    lease_ms: z.number().int().min(200).max(3600000).optional().describe("lease length; default coordinator.lease_ms"),
    wait_ms: z
      .number()
      .int()
      .min(0)
      .max(60000)
      .default(0)
      .describe("long-poll: when nothing can be claimed now, wait up to this long for a ticket instead of returning null"),
  }),
  result: z.object({ lease: Lease.nullable(), reason: z.string().nullable() }),
});

export const ticketHeartbeat = defineMethod({
  name: "ticket.heartbeat",
  summary: "Renew a lease (and mark the ticket running). CONFLICT when the lease is no longer held (expired, cancelled, completed).",
  mutating: true,
  params: z.object({ id: z.string(), lease: LeaseToken, lease_ms: z.number().int().min(200).max(3600000).optional() }),
  result: z.object({ lease_expires_at: z.number().int(), state: z.string() }),
});

export const ticketComplete = defineMethod({
  name: "ticket.complete",
  summary:
    "Finish a leased ticket with its result: done (or review when it requires approval) and a signed result bundle. A stale lease is refused with CONFLICT.",
  mutating: true,
  params: z.object({
    id: z.string(),
    lease: LeaseToken,
    result: z.unknown().default(null),
    checks_passed: z.array(z.string().max(100)).max(100).default([]),
    next: z
      .object({ agent_kind: Name.optional(), lease_ms: z.number().int().min(200).max(3600000).optional() })
      .optional()
      .describe("also claim the next ticket for the same worker, in the same transaction (one commit per ticket)"),
  }),
  result: z.object({
    ticket: Ticket,
    bundle: z.string().nullable().describe("path of the result bundle"),
    next: z.object({ lease: Lease.nullable(), reason: z.string().nullable() }).optional().describe("present when `next` was asked for"),
  }),
});

export const ticketFail = defineMethod({
  name: "ticket.fail",
  summary: "Report a failed attempt. Retried after exponential backoff with jitter while attempts remain (and retryable), else failed.",
  mutating: true,
  params: z.object({
    id: z.string(),
    lease: LeaseToken,
    error: z.string().max(10000),
    retryable: z.boolean().default(true),
  }),
  result: z.object({ ticket: Ticket, retry_at: z.number().int().nullable() }),
});

export const BreakerState = z.object({
  agent_kind: z.string(),
  state: z.enum(["closed", "open", "half-open"]),
  consecutive_failures: z.number().int(),
  open_until: z.number().int().nullable(),
});

export const coordinatorStatus = defineMethod({
  name: "coordinator.status",
  summary: "Leased tickets by agent kind, caps, circuit breakers, host admission, and the daemon's own runs.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({
    leased: z.number().int(),
    max_concurrent: z.number().int(),
    by_kind: z.record(z.string(), z.number().int()),
    per_kind: z.record(z.string(), z.number().int()),
    breakers: z.array(BreakerState),
    host: z.object({ ok: z.boolean(), reason: z.string().nullable() }),
    running_locally: z.array(z.string()),
    command: z.array(z.string()).nullable(),
    agent_kinds: z.array(z.string()).describe("kinds the daemon runs as agents (coordinator.agent_kinds)"),
    default_agent_kind: z.string(),
    repo: z.string().nullable(),
    queue: z
      .array(
        z.object({
          agent_kind: z.string(),
          workspace: z.string(),
          ready: z.number().int(),
          backing_off: z.number().int().describe("of those, still in their retry backoff"),
          reason: z.string().nullable().describe("why these are not being claimed now; null = nothing stops them"),
        }),
      )
      .describe("ready tickets by kind and workspace, with why the queue is not moving"),
    awaiting_approval: z.array(z.object({ ticket: z.string(), approval: z.string().nullable() })).describe("tickets in review waiting for a human"),
  }),
});

export const coordinatorWhy = defineMethod({
  name: "coordinator.why",
  summary:
    "Why a ticket is waiting: for a ready ticket what keeps it from being claimed (no agent kind configured, caps full, breaker open, host busy, backoff); dependencies, approval otherwise.",
  mutating: false,
  params: z.object({ id: z.string() }),
  result: z.object({ id: z.string(), state: z.string(), waiting: z.string().nullable().describe("null when it is moving or finished") }),
});

export const bundleGet = defineMethod({
  name: "bundle.get",
  summary: "Where a finished ticket's result bundle is, with the daemon's public key to verify it.",
  mutating: false,
  params: z.object({ id: z.string() }),
  result: z.object({ path: z.string(), key_id: z.string(), public_key: z.string(), public_key_file: z.string() }),
});
