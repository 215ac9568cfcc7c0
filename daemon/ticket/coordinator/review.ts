import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import type { TicketStore } from "../store.js";
import type { ThreadOfTicket } from "./agent-env.js";

/** The reviewer runtime of a ticket (and so its agent id in the thread). */
export const reviewerRuntimeName = (id: string) => `ticket-${id}-review`;

/** What the coordinator needs from threads: open (or find) a ticket's review thread. Served by daemon/thread/ticket-threads.ts. */
export interface ReviewThreads {
  ensure(r: { ticket: { id: string; title: string; workspace: string }; executor: string; reviewer: string | null }): string;
}

/** The reviewer's agent id under `coordinator.review`: its runtime when one is started, else the configured name. */
export function reviewerOf(cfg: CoordinatorConfig, ticketId: string): string | null {
  const r = cfg.review;
  return r.reviewer_kind ? reviewerRuntimeName(ticketId) : r.reviewer;
}

/**
 * A ticket's thread for its agents' SWARM_THREAD_ID. With `coordinator.review.enabled`,
 * the coordinator opens the ticket's review thread (executor = `executorOf(id)`) when the
 * ticket is dispatched; otherwise the ticket's first thread, if someone made one.
 */
export function reviewThreadOf(deps: {
  cfg: () => CoordinatorConfig;
  tickets: TicketStore;
  threads: ReviewThreads | undefined;
  existing: ThreadOfTicket;
  executorOf: (id: string) => string;
}): ThreadOfTicket {
  return (ticketId) => {
    const c = deps.cfg();
    if (!c.review.enabled || !deps.threads) return deps.existing(ticketId);
    const t = deps.tickets.get(ticketId);
    return deps.threads.ensure({
      ticket: { id: t.id, title: t.title, workspace: t.workspace },
      executor: deps.executorOf(ticketId),
      reviewer: reviewerOf(c, ticketId),
    });
  };
}
