/** Board column order: the ticket lifecycle left to right (protocol/methods/ticket.ts TICKET_STATES, without zod). */
export const TICKET_STATES_ORDER = ["backlog", "ready", "claimed", "running", "review", "blocked", "done", "failed", "cancelled"] as const;
