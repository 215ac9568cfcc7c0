import { SwarmError } from "../../protocol/errors.js";
import { TICKET_STATES, type TicketState } from "../../protocol/methods/ticket.js";

/**
 * The one table of allowed ticket transitions. Every state change in the daemon goes
 * through `assertTransition`, so this table is the whole state machine.
 *
 * - backlog → ready happens automatically when every dependency is done (store.promote).
 * - ready → claimed is the coordinator's claim; claimed/running → ready is a lost lease
 *   or a retry with backoff.
 * - review → done is the only way to `done` for a ticket that requires approval.
 * - blocked is a parking state (manual, or an approval asked for clarification); it
 *   returns to ready/backlog, or to review when a new approval is requested.
 * - done is final; failed and cancelled can be retried (→ backlog, then promoted).
 */
export const TRANSITIONS: Readonly<Record<TicketState, readonly TicketState[]>> = {
  backlog: ["ready", "blocked", "cancelled"],
  ready: ["claimed", "backlog", "blocked", "cancelled"],
  claimed: ["running", "ready", "failed", "cancelled"],
  running: ["review", "done", "failed", "ready", "blocked", "cancelled"],
  review: ["done", "failed", "running", "blocked", "cancelled"],
  done: [],
  failed: ["backlog", "ready", "cancelled"],
  cancelled: ["backlog"],
  blocked: ["ready", "backlog", "review", "failed", "cancelled"],
};

export const TERMINAL_STATES: readonly TicketState[] = ["done", "failed", "cancelled"];

export function isTicketState(x: unknown): x is TicketState {
  return typeof x === "string" && (TICKET_STATES as readonly string[]).includes(x);
}

export function canTransition(from: TicketState, to: TicketState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws INVALID_TRANSITION naming from, to and the allowed targets. */
export function assertTransition(id: string, from: TicketState, to: TicketState): void {
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  throw new SwarmError(
    "INVALID_TRANSITION",
    `ticket ${id}: cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(", ") : "none (final state)"}`,
    { details: { id, from, to, allowed: [...allowed] } },
  );
}
