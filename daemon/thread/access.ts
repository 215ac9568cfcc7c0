import type { Caller } from "../identity/guard.js";
import { denied } from "../identity/tokens.js";
import type { ThreadRow, ThreadStore } from "./threads.js";

/**
 * Who may see and write a thread, beyond the role matrix: an agent stays in its workspace;
 * a participant-role agent only in threads it takes part in; coordinators and auditors see
 * their whole workspace. The operator sees everything.
 */
export function assertCanSee(threads: ThreadStore, id: string, caller: Caller): void {
  if (caller.kind !== "operator") visibleRow(threads, id, caller);
}

/** assertCanSee, returning the thread's row (read once for the check and the caller). */
export function visibleRow(threads: ThreadStore, id: string, caller: Caller): ThreadRow {
  if (caller.kind === "operator") return threads.row(id);
  const { member, ...t } = threads.rowFor(id, caller.id);
  if (t.workspace !== caller.workspace) {
    throw denied("cross_workspace", `thread ${id} is in workspace ${t.workspace}; the token is for ${caller.workspace}`, { id, workspace: t.workspace });
  }
  if (caller.role === "participant" && !member) {
    throw denied("not_participant", `agent ${caller.id} does not take part in thread ${id}`, { id });
  }
  return t;
}

/** The author of a post: an agent is itself; the operator is `operator` unless it posts `as` an agent. */
export function authorOf(caller: Caller, as: string | undefined): string {
  return caller.kind === "agent" ? caller.id : (as ?? "operator");
}

/** Whose cursor a read or ack is about. */
export function readerOf(caller: Caller, as: string | undefined): string {
  return caller.kind === "agent" ? caller.id : (as ?? "operator");
}
