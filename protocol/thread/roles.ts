import type { AgentRole } from "./model.js";

/** Who calls: an agent with a token of some role, or the operator (a call without a token). */
export type CallerRole = AgentRole | "operator";
export const CALLER_ROLES: readonly CallerRole[] = ["participant", "coordinator", "auditor", "operator"];

const ALL: readonly CallerRole[] = CALLER_ROLES;
const WRITERS: readonly CallerRole[] = ["participant", "coordinator", "operator"];
const AGENTS: readonly CallerRole[] = ["participant", "coordinator", "auditor"];

/**
 * The role × method matrix (R-M4): which caller may call which method at all. Finer rules
 * sit on top, in the daemon: a participant only sees threads it takes part in; leaving
 * `blocked` or closing a `disputed` thread needs the operator or a coordinator with a reason.
 * Methods not listed take no token (operator only).
 */
export const ROLE_MATRIX: Readonly<Record<string, readonly CallerRole[]>> = {
  "thread.create": WRITERS,
  "thread.get": ALL,
  "thread.list": ALL,
  "thread.post": WRITERS,
  "thread.read": ALL,
  "thread.ack": ALL,
  "thread.status": WRITERS,
  "thread.summarize": ALL, // reading the summary; writing `text` needs a writer role (checked in the daemon)
  "thread.escalate": WRITERS,
  "thread.trigger": WRITERS,
  "thread.unblock": ["coordinator", "operator"],
  "thread.override": ["operator"],
  "session.heartbeat": ALL,
  "bridge.hello": AGENTS, // the bridge's own word that its agent CLI is connected
  "agent.token_refresh": AGENTS,
  "agent.token_mint": ["operator"],
  "agent.revoke": ["operator"],
  "audit.list": ["auditor", "operator"],
  "audit.verify": ["auditor", "operator"],
};

export function mayCall(role: CallerRole, method: string): boolean {
  return ROLE_MATRIX[method]?.includes(role) ?? role === "operator";
}
