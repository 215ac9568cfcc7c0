import type { Ticket, TicketState } from "../../protocol/methods/ticket.js";

/** A `tickets` row as SQLite returns it. */
export interface TicketRow {
  seq: number;
  id: string;
  workspace: string;
  title: string;
  body: string;
  priority: number;
  labels: string;
  state: TicketState;
  state_reason: string | null;
  requires_approval: number;
  agent_kind: string | null;
  timeout_ms: number | null;
  max_attempts: number | null;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  not_before: number | null;
  result: string | null;
  inputs: string | null;
  workflow_id: string | null;
  workflow_key: string | null;
  idempotency_key: string | null;
  source_file: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export function toTicket(r: TicketRow, dependsOn: string[]): Ticket {
  return {
    id: r.id,
    workspace: r.workspace,
    title: r.title,
    body: r.body,
    priority: r.priority,
    labels: JSON.parse(r.labels) as string[],
    state: r.state,
    state_reason: r.state_reason,
    depends_on: dependsOn,
    requires_approval: r.requires_approval === 1,
    agent_kind: r.agent_kind,
    timeout_ms: r.timeout_ms,
    max_attempts: r.max_attempts,
    attempts: r.attempts,
    lease_owner: r.lease_owner,
    lease_expires_at: r.lease_expires_at,
    not_before: r.not_before,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    inputs: r.inputs === null ? null : (JSON.parse(r.inputs) as Record<string, unknown>),
    workflow_id: r.workflow_id,
    idempotency_key: r.idempotency_key,
    source_file: r.source_file,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
