import { SwarmError } from "../../protocol/errors.js";
import type { ThreadStatus } from "../../protocol/thread/model.js";

/**
 * The one table of allowed thread status changes (R-M1); every change goes through
 * `assertThreadTransition` (thread.override alone bypasses it, operator only, audited).
 *
 * - open/waiting: work in progress (waiting: for someone's answer).
 * - disputed: the participants disagree; resolving or closing it is a force-close (GUARDED).
 * - blocked: set by the loop breakers or by hand; leaving it is thread.unblock (GUARDED).
 * - resolved can be reopened; closed is final.
 */
export const THREAD_TRANSITIONS: Readonly<Record<ThreadStatus, readonly ThreadStatus[]>> = {
  open: ["waiting", "disputed", "blocked", "resolved", "closed"],
  waiting: ["open", "disputed", "blocked", "resolved", "closed"],
  disputed: ["open", "waiting", "blocked", "resolved", "closed"],
  blocked: ["open", "waiting", "disputed", "closed"],
  resolved: ["open", "closed"],
  closed: [],
};

/** Changes only the operator, or a coordinator with a reason, may make: a participant cannot. */
export function isGuarded(from: ThreadStatus, to: ThreadStatus): boolean {
  return from === "blocked" || (from === "disputed" && (to === "resolved" || to === "closed"));
}

export function canThreadTransition(from: ThreadStatus, to: ThreadStatus): boolean {
  return THREAD_TRANSITIONS[from].includes(to);
}

/** Throws INVALID_TRANSITION naming from, to and the allowed targets. */
export function assertThreadTransition(id: string, from: ThreadStatus, to: ThreadStatus): void {
  if (canThreadTransition(from, to)) return;
  const allowed = THREAD_TRANSITIONS[from];
  throw new SwarmError(
    "INVALID_TRANSITION",
    `thread ${id}: cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(", ") : "none (final state)"}`,
    { details: { id, from, to, allowed: [...allowed] } },
  );
}
