import type { TicketState } from "../../protocol/methods/ticket.js";

/** Everything a ticket is created with (already validated for shape by the protocol schema). */
export interface NewTicket {
  id?: string | undefined;
  workspace?: string | undefined;
  title: string;
  body?: string | undefined;
  priority?: number | undefined;
  labels?: string[] | undefined;
  depends_on?: string[] | undefined;
  requires_approval?: boolean | undefined;
  agent_kind?: string | undefined;
  timeout_ms?: number | undefined;
  max_attempts?: number | undefined;
  idempotency_key?: string | undefined;
  workflow_id?: string | undefined;
  workflow_key?: string | undefined;
  source_file?: string | undefined;
}

export interface TicketPatch {
  title?: string;
  body?: string;
  priority?: number;
  labels?: string[];
  requires_approval?: boolean;
  agent_kind?: string | null;
  timeout_ms?: number | null;
  max_attempts?: number | null;
  source_file?: string | null;
}

/** Coordinator bookkeeping that may change together with a state (one transaction). */
export interface LeasePatch {
  lease_owner?: string | null;
  lease_expires_at?: number | null;
  not_before?: number | null;
  attempts?: number;
}

export interface TransitionOpts {
  reason?: string | undefined;
  actor?: string | undefined;
  /** Compare-and-set: refused with CONFLICT unless the ticket is in this state. */
  from?: TicketState | undefined;
  /** Stored as the ticket's result (JSON). */
  result?: unknown;
  patch?: LeasePatch;
  /** Only the approval domain sets this: it lets a ticket that requires approval reach done. */
  approved?: boolean;
  /**
   * Pass through this state on the way (e.g. claimed → running → done for a worker that
   * completes without a heartbeat): both hops are checked, recorded in the history and sent
   * as events, as two transitions would be, in one write of the ticket.
   */
  via?: { state: TicketState; reason: string } | undefined;
}

export interface ListFilter {
  state?: TicketState | undefined;
  workspace?: string | undefined;
  label?: string | undefined;
  workflow_id?: string | undefined;
  limit?: number | undefined;
}

export interface TicketStoreOptions {
  /** Read at use time so a config reload takes effect. */
  maxBodyBytes: () => number;
}
