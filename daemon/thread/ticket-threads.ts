import type { AuditLog } from "../audit/log.js";
import type { RunTx } from "../identity/guard.js";
import type { ThreadStore } from "./threads.js";

/** Who creates review threads, as a thread's creator and an audit actor. */
export const COORDINATOR_ACTOR = "coordinator";

export interface TicketThreadRequest {
  ticket: { id: string; title: string; workspace: string };
  /** the ticket's executor (its runtime's name, the agent id its token carries) */
  executor: string;
  /** the reviewer's agent id, when there is one */
  reviewer: string | null;
}

/**
 * The thread the coordinator opens for a ticket's executor and reviewer (type `review`,
 * linked to the ticket). One per ticket: a retry of the ticket finds the same thread (the
 * creation is keyed by the ticket), and participants added since are joined. Created and
 * audited (a `policy` row) in one transaction.
 */
export class TicketThreads {
  constructor(
    private readonly threads: ThreadStore,
    private readonly audit: AuditLog,
    private readonly tx: RunTx,
  ) {}

  ensure(r: TicketThreadRequest): string {
    return this.tx(() => {
      const participants = [{ agent_id: r.executor, role: "executor" }, ...(r.reviewer ? [{ agent_id: r.reviewer, role: "reviewer" }] : [])];
      const { thread, created } = this.threads.create({
        workspace: r.ticket.workspace,
        type: "review",
        title: `ticket ${r.ticket.id}: ${r.ticket.title}`.slice(0, 200),
        ticket_id: r.ticket.id,
        participants,
        created_by: COORDINATOR_ACTOR,
        idempotency_key: `ticket-${r.ticket.id}`,
      });
      for (const p of participants) this.threads.join(thread.id, p.agent_id, p.role);
      if (created) {
        this.audit.append({
          actor: COORDINATOR_ACTOR,
          actor_kind: "policy",
          action: "thread.create",
          subject: thread.id,
          outcome: "ok",
          reason: `review thread of ticket ${r.ticket.id}`,
          details: { ticket_id: r.ticket.id, participants },
        });
      }
      return thread.id;
    });
  }
}
