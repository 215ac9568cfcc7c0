import type { Lease } from "../../../protocol/methods/coordinator.js";
import type { Db } from "../../store/db.js";

/** The thread an agent working on a ticket talks in, if the ticket has one. */
export type ThreadOfTicket = (ticketId: string) => string | null;

/**
 * The variables an agent started for a ticket finds in its environment, so a script or an
 * agent's tool can name its ticket (and thread) without parsing the prompt. Passed as the
 * runtime's start `vars`: they reach the program, never `runtime list`.
 */
export function agentVars(lease: Lease, threadOf: ThreadOfTicket): Record<string, string> {
  const { id, title } = lease.ticket;
  const thread = threadOf(id);
  return { SWARM_TICKET_ID: id, SWARM_TICKET_TITLE: title, ...(thread ? { SWARM_THREAD_ID: thread } : {}) };
}

/**
 * Reads a ticket's first thread from the thread domain's table (read only). A daemon built
 * without threads has no such table: then no ticket has a thread.
 */
export function threadOfTicketIn(db: Db): ThreadOfTicket {
  return (ticketId) => {
    try {
      const row = db.prepare("SELECT id FROM threads WHERE ticket_id = ? ORDER BY n LIMIT 1").get(ticketId) as { id: string } | undefined;
      return row?.id ?? null;
    } catch (err) {
      if (/no such table/.test(String(err))) return null;
      throw err;
    }
  };
}
