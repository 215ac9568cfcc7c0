import { randomUUID } from "node:crypto";
import { SwarmError } from "../../protocol/errors.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { prepareAll, type Statements } from "../store/statements.js";
import { findCycle, formatCycle } from "./dag.js";
import type { NewTicket, TicketStore } from "./store.js";

export interface WorkflowNodeInput extends Omit<NewTicket, "depends_on" | "workflow_id" | "workflow_key"> {
  key: string;
  depends_on?: string[];
}

interface WorkflowRow {
  id: string;
  name: string | null;
  idempotency_key: string | null;
  created_at: string;
}

export interface WorkflowStatus {
  workflow: WorkflowRow;
  state: "pending" | "running" | "done" | "failed";
  counts: Record<string, number>;
  tickets: (Ticket & { key: string })[];
}

const SQL = {
  byKey: "SELECT id FROM workflows WHERE idempotency_key = ?",
  insert: "INSERT INTO workflows (id, name, idempotency_key, created_at) VALUES (?, ?, ?, ?)",
  byId: "SELECT * FROM workflows WHERE id = ?",
  children: "SELECT id, workflow_key FROM tickets WHERE workflow_id = ? ORDER BY seq",
} as const;

/**
 * Workflows (R-T2): a DAG of tickets submitted in one transaction. Nodes name each other by
 * `key`; a dependency that is not a key must be an existing ticket id. Any error (bad
 * node, unknown dependency, cycle, body too big) rolls the whole submit back.
 */
export class Workflows {
  private readonly s: Statements<typeof SQL>;

  constructor(private readonly store: TicketStore) {
    this.s = prepareAll(store.db, SQL);
  }

  submit(
    p: { name?: string | undefined; idempotency_key?: string | undefined; workspace?: string | undefined; tickets: WorkflowNodeInput[] },
    actor: string,
  ): WorkflowStatus & { created: boolean } {
    return this.store.tx(() => {
      if (p.idempotency_key !== undefined) {
        const existing = this.s.byKey.get(p.idempotency_key) as { id: string } | undefined;
        if (existing) return { ...this.status(existing.id), created: false };
      }
      const byKey = new Map<string, WorkflowNodeInput>();
      for (const n of p.tickets) {
        if (byKey.has(n.key)) throw new SwarmError("INVALID_ARGUMENT", `workflow node key ${n.key} is used twice`);
        byKey.set(n.key, n);
      }
      for (const n of p.tickets) {
        for (const d of n.depends_on ?? []) {
          if (!byKey.has(d) && !this.store.find(d)) {
            throw new SwarmError("NOT_FOUND", `workflow node ${n.key} depends on ${d}, which is neither a node key nor an existing ticket`);
          }
        }
      }
      const cycle = findCycle(byKey.keys(), (k) => (byKey.get(k)?.depends_on ?? []).filter((d) => byKey.has(d)));
      if (cycle) {
        throw new SwarmError("INVALID_ARGUMENT", `workflow dependencies form a cycle: ${formatCycle(cycle)}`, { details: { cycle } });
      }
      const id = `wf-${randomUUID().slice(0, 8)}`;
      this.s.insert.run(id, p.name ?? null, p.idempotency_key ?? null, new Date().toISOString());
      const ids = new Map<string, string>();
      // Create parents before children so every dependency exists when it is referenced.
      const order = topoOrder([...byKey.keys()], (k) => (byKey.get(k)?.depends_on ?? []).filter((d) => byKey.has(d)));
      for (const key of order) {
        const n = byKey.get(key)!;
        const { key: _k, depends_on, ...fields } = n;
        const deps = (depends_on ?? []).map((d) => ids.get(d) ?? d);
        const created = this.store.create(
          { ...fields, workspace: fields.workspace ?? p.workspace, depends_on: deps, workflow_id: id, workflow_key: key },
          actor,
        );
        if (!created.created) {
          throw new SwarmError("CONFLICT", `workflow node ${key}: idempotency key ${fields.idempotency_key} already names ticket ${created.ticket.id}`);
        }
        ids.set(key, created.ticket.id);
      }
      this.store.emit("ticket.workflow_submitted", id, { id, name: p.name ?? null, tickets: Object.fromEntries(ids), actor });
      return { ...this.status(id), created: true };
    });
  }

  status(id: string): WorkflowStatus {
    const wf = this.s.byId.get(id) as WorkflowRow | undefined;
    if (!wf) throw new SwarmError("NOT_FOUND", `no workflow ${id}`);
    const keys = this.s.children.all(id) as { id: string; workflow_key: string }[];
    const tickets = keys.map((k) => ({ ...this.store.get(k.id), key: k.workflow_key }));
    const counts: Record<string, number> = {};
    for (const t of tickets) counts[t.state] = (counts[t.state] ?? 0) + 1;
    let state: WorkflowStatus["state"] = "running";
    if (tickets.every((t) => t.state === "done")) state = "done";
    else if (tickets.some((t) => t.state === "failed" || t.state === "cancelled")) state = "failed";
    else if (tickets.every((t) => t.state === "backlog" || t.state === "ready")) state = "pending";
    return { workflow: wf, state, counts, tickets };
  }
}

/** Dependencies first (the graph is known to be acyclic). */
function topoOrder(nodes: string[], depsOf: (k: string) => string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const d of depsOf(k)) visit(d);
    out.push(k);
  };
  for (const n of nodes) visit(n);
  return out;
}
