import { prepareAll, type Statements } from "../store/statements.js";
import { whereClause } from "../store/where.js";
import type { Statement } from "better-sqlite3";
import { SwarmError } from "../../protocol/errors.js";
import { ticketBodyTooBig } from "../../protocol/limits.js";
import { checkName } from "../../protocol/names.js";
import type { Ticket, TicketState } from "../../protocol/methods/ticket.js";
import type { EventLog } from "../events/event-log.js";
import type { Db } from "../store/db.js";
import { cycleIfAdded, formatCycle } from "./dag.js";
import { toTicket, type TicketRow } from "./row.js";
import { assertTransition, canTransition } from "./state-machine.js";
import type { ListFilter, NewTicket, TicketPatch, TicketStoreOptions, TransitionOpts } from "./types.js";

export type { NewTicket, TicketPatch, LeasePatch, TransitionOpts, ListFilter, TicketStoreOptions } from "./types.js";

const LEASED: readonly TicketState[] = ["claimed", "running"];

/** The hops of a transition: one, or two when it passes through `via`. */
function hopsOf(from: TicketState, to: TicketState, o: TransitionOpts): { from: TicketState; to: TicketState; reason: string | null }[] {
  return o.via
    ? [
        { from, to: o.via.state, reason: o.via.reason },
        { from: o.via.state, to, reason: o.reason ?? null },
      ]
    : [{ from, to, reason: o.reason ?? null }];
}

const SQL = {
  byId: "SELECT * FROM tickets WHERE id = ?",
  byKey: "SELECT * FROM tickets WHERE idempotency_key = ?",
  deps: "SELECT depends_on FROM ticket_deps WHERE ticket_id = ? ORDER BY depends_on",
  dependents: "SELECT ticket_id FROM ticket_deps WHERE depends_on = ?",
  notDone: "SELECT p.id, p.state FROM ticket_deps d JOIN tickets p ON p.id = d.depends_on WHERE d.ticket_id = ? AND p.state != 'done'",
  parentResults: "SELECT p.id, p.result FROM ticket_deps d JOIN tickets p ON p.id = d.depends_on WHERE d.ticket_id = ?",
  // Only generated ids count: a ticket file named "example-hello" must not make the first submit t-2.
  nextGenerated: "SELECT COALESCE(MAX(CAST(substr(id, 3) AS INTEGER)), 0) + 1 AS n FROM tickets WHERE id GLOB 't-[1-9]*' AND substr(id, 3) NOT GLOB '*[^0-9]*'",
  insert: `INSERT INTO tickets (id, workspace, title, body, priority, labels, state, requires_approval,
    agent_kind, timeout_ms, max_attempts, idempotency_key, workflow_id, workflow_key, source_file, created_at, updated_at)
    VALUES (@id, @workspace, @title, @body, @priority, @labels, 'backlog', @requires_approval, @agent_kind, @timeout_ms,
    @max_attempts, @idempotency_key, @workflow_id, @workflow_key, @source_file, @now, @now)`,
  addDep: "INSERT OR IGNORE INTO ticket_deps (ticket_id, depends_on) VALUES (?, ?)",
  removeDep: "DELETE FROM ticket_deps WHERE ticket_id = ? AND depends_on = ?",
  bumpVersion: "UPDATE tickets SET version = version + 1, updated_at = ? WHERE id = ?",
  history: "INSERT INTO ticket_transitions (ticket_id, from_state, to_state, reason, actor, ts) VALUES (?, ?, ?, ?, ?, ?)",
  historyOf: "SELECT * FROM ticket_transitions WHERE ticket_id = ? ORDER BY seq",
  ready: "SELECT * FROM tickets WHERE state = 'ready' AND (not_before IS NULL OR not_before <= ?) ORDER BY priority DESC, seq LIMIT ?",
  expired: "SELECT * FROM tickets WHERE state IN ('claimed', 'running') AND lease_expires_at IS NOT NULL AND lease_expires_at <= ? ORDER BY seq LIMIT ?",
  backlogAll: "SELECT id FROM tickets WHERE state = 'backlog'",
} as const;

/**
 * The ticket store: the only code that writes the ticket tables. Every state change goes
 * through `transition` (validated by the state machine table); every change appends a
 * `ticket.*` event in the same transaction, so the log and the tables never disagree, and
 * listeners hear of it only once it has committed.
 */
export class TicketStore {
  private readonly s: Statements<typeof SQL>;
  /** UPDATE statements of `transition`, by the sorted list of extra columns they set (generated SQL, so keyed by string). */
  private readonly patchStmts = new Map<string, Statement>();

  constructor(
    readonly db: Db,
    private readonly events: EventLog,
    private readonly opts: TicketStoreOptions,
  ) {
    this.s = prepareAll(db, SQL);
  }

  /**
   * Runs `fn` in one transaction (a savepoint when nested): the daemon's one transaction
   * (the event log's Transactor), so events it appends reach listeners after the outermost commit.
   */
  tx<T>(fn: () => T): T {
    return this.events.transactor.run(fn);
  }

  /** Appends an event; inside `tx`, listeners hear of it when the transaction commits. */
  emit(type: string, subject: string, data: Record<string, unknown>): void {
    this.events.append(type, subject, data);
  }

  // ---- reads ----

  find(id: string): Ticket | null {
    const r = this.s.byId.get(id) as TicketRow | undefined;
    return r ? toTicket(r, this.depsOf(id)) : null;
  }

  get(id: string): Ticket {
    const bad = checkName(id);
    if (bad) throw new SwarmError("INVALID_ARGUMENT", `ticket id: ${bad}`);
    const t = this.find(id);
    if (!t) throw new SwarmError("NOT_FOUND", `no ticket ${id}`, { hint: "`swarmctl ticket list` shows the tickets" });
    return t;
  }

  byIdempotencyKey(key: string): Ticket | null {
    const r = this.s.byKey.get(key) as TicketRow | undefined;
    return r ? toTicket(r, this.depsOf(r.id)) : null;
  }

  depsOf = (id: string): string[] => (this.s.deps.all(id) as { depends_on: string }[]).map((r) => r.depends_on);

  dependentsOf(id: string): string[] {
    return (this.s.dependents.all(id) as { ticket_id: string }[]).map((r) => r.ticket_id);
  }

  list(f: ListFilter = {}): Ticket[] {
    const w = whereClause([
      ["state = ?", f.state],
      ["workspace = ?", f.workspace],
      ["workflow_id = ?", f.workflow_id],
      ["EXISTS (SELECT 1 FROM json_each(tickets.labels) WHERE value = ?)", f.label],
    ]);
    const sql = `SELECT * FROM tickets ${w.sql} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...w.args, f.limit ?? 1000) as TicketRow[];
    return rows.map((r) => toTicket(r, this.depsOf(r.id)));
  }

  /** Ready tickets whose backoff has passed, highest priority first, then oldest. */
  readyTickets(opts: { limit?: number; now?: number } = {}): Ticket[] {
    const rows = this.s.ready.all(opts.now ?? Date.now(), opts.limit ?? 100) as TicketRow[];
    return rows.map((r) => toTicket(r, this.depsOf(r.id)));
  }

  /** Claimed or running tickets whose lease has run out. */
  expiredLeases(opts: { limit?: number; now?: number } = {}): Ticket[] {
    const rows = this.s.expired.all(opts.now ?? Date.now(), opts.limit ?? 100) as TicketRow[];
    return rows.map((r) => toTicket(r, this.depsOf(r.id)));
  }

  history(
    id: string,
  ): { seq: number; ticket_id: string; from: TicketState | null; to: TicketState; reason: string | null; actor: string | null; ts: string }[] {
    this.get(id);
    const rows = this.s.historyOf.all(id) as {
      seq: number;
      ticket_id: string;
      from_state: TicketState | null;
      to_state: TicketState;
      reason: string | null;
      actor: string | null;
      ts: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, ticket_id: r.ticket_id, from: r.from_state, to: r.to_state, reason: r.reason, actor: r.actor, ts: r.ts }));
  }

  // ---- writes ----

  private checkBody(body: string): void {
    const max = this.opts.maxBodyBytes();
    const size = Buffer.byteLength(body, "utf8");
    if (size > max) throw ticketBodyTooBig(size, max);
  }

  /** Creates a ticket (backlog, promoted to ready at once if its dependencies are done). */
  create(n: NewTicket, actor = "client"): { ticket: Ticket; created: boolean } {
    return this.tx(() => {
      if (n.idempotency_key !== undefined) {
        const existing = this.byIdempotencyKey(n.idempotency_key);
        if (existing) return { ticket: existing, created: false };
      }
      const body = n.body ?? "";
      this.checkBody(body);
      const deps = this.checkNew(n);
      // Allocated only once the ticket is known to be accepted, so a refusal neither names nor uses an id.
      const id = n.id ?? this.nextId();
      const now = new Date().toISOString();
      this.s.insert.run({
        id,
        workspace: n.workspace ?? "default",
        title: n.title,
        body,
        priority: n.priority ?? 0,
        labels: JSON.stringify(n.labels ?? []),
        requires_approval: n.requires_approval ? 1 : 0,
        agent_kind: n.agent_kind ?? null,
        timeout_ms: n.timeout_ms ?? null,
        max_attempts: n.max_attempts ?? null,
        idempotency_key: n.idempotency_key ?? null,
        workflow_id: n.workflow_id ?? null,
        workflow_key: n.workflow_key ?? null,
        source_file: n.source_file ?? null,
        now,
      });
      for (const d of deps) this.s.addDep.run(id, d);
      this.s.history.run(id, null, "backlog", "created", actor, now);
      this.emit("ticket.created", id, { id, title: n.title, workspace: n.workspace ?? "default", depends_on: deps, actor, workflow_id: n.workflow_id ?? null });
      this.promote([id]);
      return { ticket: this.get(id), created: true };
    });
  }

  /** Refusals of a new ticket, before it has an id: its own id when given, then its dependencies. */
  private checkNew(n: NewTicket): string[] {
    const own = n.id;
    if (own !== undefined) {
      const idProblem = checkName(own);
      if (idProblem) throw new SwarmError("INVALID_ARGUMENT", `ticket id: ${idProblem}`);
      if (this.s.byId.get(own)) {
        throw new SwarmError("CONFLICT", `ticket ${own} already exists`, { hint: "choose another id, or edit it with `swarmctl ticket edit`" });
      }
    }
    const deps = [...new Set(n.depends_on ?? [])];
    for (const d of deps) {
      if (d === own)
        throw new SwarmError("INVALID_ARGUMENT", `ticket ${own} cannot depend on itself (cycle: ${own} → ${own})`, { details: { cycle: [own, own] } });
      if (!this.s.byId.get(d)) {
        throw new SwarmError("NOT_FOUND", `dependency ${d} of ${own === undefined ? "the new ticket" : `ticket ${own}`} does not exist`, {
          hint: "submit that ticket first, or leave it out of depends_on (list tickets with `swarmctl ticket list`)",
        });
      }
    }
    return deps;
  }

  private nextId(): string {
    let n = (this.s.nextGenerated.get() as { n: number }).n;
    while (this.s.byId.get(`t-${n}`)) n++;
    return `t-${n}`;
  }

  /** Changes fields (not state, not dependencies). `version` makes it compare-and-set. */
  update(id: string, patch: TicketPatch, opts: { version?: number | undefined; actor?: string } = {}): Ticket {
    return this.tx(() => {
      const t = this.get(id);
      if (opts.version !== undefined && opts.version !== t.version) {
        throw new SwarmError("CONFLICT", `ticket ${id} is at version ${t.version}, not ${opts.version}`, {
          hint: "re-read it with `swarmctl ticket show` and try again",
          details: { version: t.version },
        });
      }
      if (patch.body !== undefined) this.checkBody(patch.body);
      const cols: string[] = [];
      const args: unknown[] = [];
      const changed: string[] = [];
      for (const [k, v] of Object.entries(patch) as [keyof TicketPatch, unknown][]) {
        if (v === undefined) continue;
        const stored = k === "labels" ? JSON.stringify(v) : k === "requires_approval" ? (v ? 1 : 0) : v;
        const current = k === "labels" ? JSON.stringify(t.labels) : k === "requires_approval" ? (t.requires_approval ? 1 : 0) : t[k];
        if (stored === current) continue;
        cols.push(`${k} = ?`);
        args.push(stored);
        changed.push(k);
      }
      if (changed.length === 0) return t;
      this.db.prepare(`UPDATE tickets SET ${cols.join(", ")}, version = version + 1, updated_at = ? WHERE id = ?`).run(...args, new Date().toISOString(), id);
      this.emit("ticket.updated", id, { id, fields: changed, actor: opts.actor ?? "client" });
      return this.get(id);
    });
  }

  /**
   * The one way a ticket's state changes. With `from` (the coordinator's complete, heartbeat
   * and retry) the write itself checks the state and the approval gate, so nothing is read
   * first; a write refused that way changed nothing and falls through to the checked path,
   * which reads the row and throws the exact error.
   */
  transition(id: string, to: TicketState, o: TransitionOpts = {}): Ticket {
    return this.tx(() => {
      if (o.from !== undefined && to !== "ready" && hopsOf(o.from, to, o).every((h) => canTransition(h.from, h.to))) {
        const t = this.write(id, o.from, to, o, {}, true);
        if (t) return t;
      }
      const row = this.s.byId.get(id) as TicketRow | undefined;
      if (!row) return this.get(id); // throws the right NOT_FOUND / INVALID_ARGUMENT
      const from = row.state;
      if (o.from !== undefined && o.from !== from) {
        throw new SwarmError("CONFLICT", `ticket ${id} is ${from}, not ${o.from}`, { details: { id, state: from, expected: o.from } });
      }
      for (const h of hopsOf(from, to, o)) assertTransition(id, h.from, h.to);
      if (to === "done" && row.requires_approval === 1 && !o.approved) {
        throw new SwarmError("INVALID_TRANSITION", `ticket ${id} requires approval: it reaches done only when its approval is approved`, {
          details: { id, from, to, allowed: [] },
          hint: "request one with approval.request; a person approves it with `swarmctl approval approve ID`",
        });
      }
      const extra: Record<string, unknown> = {};
      if (to === "ready") {
        const waiting = this.s.notDone.all(id) as { id: string; state: string }[];
        if (waiting.length) {
          throw new SwarmError(
            "INVALID_TRANSITION",
            `ticket ${id} cannot be ready: dependencies not done: ${waiting.map((w) => `${w.id} (${w.state})`).join(", ")}`,
            {
              details: { id, from, to, waiting_on: waiting.map((w) => w.id) },
            },
          );
        }
        extra.inputs = this.parentResults(id);
      }
      return this.write(id, from, to, o, extra, false)!;
    });
  }

  /**
   * Writes a checked transition: the row (RETURNING, so it is not read back), a history row
   * and an event per hop, then promotes dependents of a done ticket. With `cas` the UPDATE
   * applies only if the ticket is still `from` and the approval gate lets it through;
   * otherwise it returns undefined having written nothing.
   */
  private write(id: string, from: TicketState, to: TicketState, o: TransitionOpts, extra: Record<string, unknown>, cas: boolean): Ticket | undefined {
    const hops = hopsOf(from, to, o);
    const set: Record<string, unknown> = { ...o.patch, ...extra };
    if (LEASED.includes(from) && !LEASED.includes(to)) {
      set.lease_owner ??= null;
      set.lease_expires_at ??= null;
    }
    if (o.result !== undefined) set.result = JSON.stringify(o.result);
    const cols = Object.keys(set).sort();
    const key = `${cas ? "cas:" : ""}${cols.join(",")}`;
    let stmt = this.patchStmts.get(key);
    if (!stmt) {
      const extraSql = cols.map((c) => `, ${c} = @${c}`).join("");
      const guard = cas ? " AND state = @from AND (@gate = 0 OR requires_approval = 0)" : "";
      stmt = this.db.prepare(
        `UPDATE tickets SET state = @to, state_reason = @reason, version = version + @hops, updated_at = @now${extraSql} WHERE id = @id${guard} RETURNING *`,
      );
      this.patchStmts.set(key, stmt);
    }
    const now = new Date().toISOString();
    const args: Record<string, unknown> = { ...set, to, reason: o.reason ?? null, now, id, hops: hops.length };
    if (cas) Object.assign(args, { from, gate: to === "done" && !o.approved ? 1 : 0 });
    // each hop counts as a change of version, as separate transitions would
    const updated = stmt.get(args) as TicketRow | undefined;
    if (!updated) return undefined;
    for (const h of hops) {
      this.s.history.run(id, h.from, h.to, h.reason, o.actor ?? null, now);
      this.emit("ticket.transitioned", id, { id, from: h.from, to: h.to, reason: h.reason, actor: o.actor ?? null });
    }
    if (to === "done") {
      const dependents = this.dependentsOf(id);
      if (dependents.length) this.promote(dependents);
    }
    return toTicket(updated, this.depsOf(id));
  }

  private parentResults(id: string): string | null {
    const rows = this.s.parentResults.all(id) as { id: string; result: string | null }[];
    if (rows.length === 0) return null;
    const inputs: Record<string, unknown> = {};
    for (const r of rows) inputs[r.id] = r.result === null ? null : JSON.parse(r.result);
    return JSON.stringify(inputs);
  }

  /** Moves backlog tickets among `ids` (all backlog tickets if omitted) whose dependencies are done to ready. */
  promote(ids?: readonly string[]): string[] {
    return this.tx(() => {
      const list = ids ?? (this.s.backlogAll.all() as { id: string }[]).map((r) => r.id);
      const promoted: string[] = [];
      for (const id of list) {
        const row = this.s.byId.get(id) as TicketRow | undefined;
        if (!row || row.state !== "backlog") continue;
        if ((this.s.notDone.all(id) as unknown[]).length) continue;
        this.transition(id, "ready", { reason: "dependencies done", actor: "swarm" });
        promoted.push(id);
      }
      return promoted;
    });
  }

  /** Adds and removes dependencies; a cycle is refused with its ticket ids. */
  changeDeps(id: string, add: readonly string[], remove: readonly string[], actor = "client"): Ticket {
    return this.tx(() => {
      const t = this.get(id);
      const editable: readonly TicketState[] = ["backlog", "ready", "blocked"];
      if (!editable.includes(t.state)) {
        throw new SwarmError("CONFLICT", `ticket ${id} is ${t.state}; dependencies can change only in ${editable.join(", ")}`);
      }
      const added: string[] = [];
      const removed: string[] = [];
      for (const d of remove) {
        if (this.s.removeDep.run(id, d).changes) removed.push(d);
      }
      for (const d of add) {
        if (d !== id) this.get(d); // existence, with a clear error
        const cycle = cycleIfAdded(id, d, this.depsOf);
        if (cycle) {
          throw new SwarmError("INVALID_ARGUMENT", `dependency ${id} → ${d} would close a cycle: ${formatCycle(cycle)}`, {
            details: { cycle },
            hint: "tickets' dependencies must form a DAG; remove one edge of the cycle",
          });
        }
        if (this.s.addDep.run(id, d).changes) added.push(d);
      }
      if (added.length === 0 && removed.length === 0) return t;
      this.s.bumpVersion.run(new Date().toISOString(), id);
      this.emit("ticket.deps_changed", id, { id, added, removed, actor });
      const waiting = (this.s.notDone.all(id) as unknown[]).length > 0;
      if (t.state === "ready" && waiting) this.transition(id, "backlog", { reason: `new dependency not done: ${added.join(", ")}`, actor });
      if (t.state === "backlog" && !waiting) this.promote([id]);
      return this.get(id);
    });
  }
}
