import { randomBytes } from "node:crypto";
import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import type { Ticket, TicketState } from "../../../protocol/methods/ticket.js";
import type { Lease } from "../../../protocol/methods/coordinator.js";
import type { EventLog } from "../../events/event-log.js";
import type { Db } from "../../store/db.js";
import { prepareAll, type Statements } from "../../store/statements.js";
import { toTicket, type TicketRow } from "../row.js";
import { assertTransition } from "../state-machine.js";
import type { TicketStore } from "../store.js";
import { backoffDelay, CircuitBreaker } from "./policy.js";

export interface LeaseRow {
  ticket_id: string;
  token: string;
  worker: string;
  agent_kind: string;
  attempt: number;
  claimed_at: number;
  deadline: number;
  checks: string | null;
  finished_at: number | null;
}

type HeldLease = LeaseRow & { state: TicketState; ticket_attempts: number; max_attempts: number | null; requires_approval: number };

export type ClaimResult = { lease: Lease; reason: null } | { lease: null; reason: string };

const LEASED: readonly TicketState[] = ["claimed", "running"];

const kindExpr = "COALESCE(agent_kind, @default_kind)";

function claimSql(byKind: boolean): string {
  const kinds = byKind
    ? `AND (@only IS NULL OR ${kindExpr} IN (SELECT value FROM json_each(@only)))
            AND ${kindExpr} NOT IN (SELECT value FROM json_each(@blocked))`
    : "";
  return `UPDATE tickets SET state = 'claimed', state_reason = @reason, lease_owner = @worker,
        lease_expires_at = @expires, attempts = attempts + 1, version = version + 1, updated_at = @iso
      WHERE seq = (SELECT seq FROM tickets
          WHERE state = 'ready' AND (not_before IS NULL OR not_before <= @now) ${kinds}
          ORDER BY priority DESC, seq LIMIT 1)
        AND state = 'ready'
        AND (SELECT COUNT(*) FROM tickets WHERE state IN ('claimed', 'running')) < @cap
      RETURNING *, ${kindExpr} AS kind`;
}

const SQL = {
  leasedTotal: "SELECT COUNT(*) AS n FROM tickets WHERE state IN ('claimed', 'running')",
  leasedByKind: `SELECT ${kindExpr} AS kind, COUNT(*) AS n FROM tickets WHERE state IN ('claimed', 'running') GROUP BY kind`,
  // The claim: one UPDATE that only succeeds on a row still 'ready', so two claimers
  // can never both win the same ticket, even across processes sharing the file. The slot
  // cap is checked in the same statement (a refused claim then counts, to say why).
  claim: claimSql(true),
  // The same without kind filters, for a claim with no kind asked for and no kind blocked (the hot path).
  claimAny: claimSql(false),
  putLease: `INSERT OR REPLACE INTO coordinator_leases
      (ticket_id, token, worker, agent_kind, attempt, claimed_at, deadline, checks, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
  history: "INSERT INTO ticket_transitions (ticket_id, from_state, to_state, reason, actor, ts) VALUES (?, 'ready', 'claimed', ?, ?, ?)",
  lease: `SELECT l.*, t.state, t.attempts AS ticket_attempts, t.max_attempts, t.requires_approval
      FROM coordinator_leases l JOIN tickets t ON t.id = l.ticket_id WHERE l.ticket_id = ?`,
  leaseOnly: "SELECT * FROM coordinator_leases WHERE ticket_id = ?",
  renew: "UPDATE tickets SET lease_expires_at = ? WHERE id = ? AND state IN ('claimed', 'running')",
  finish: "UPDATE coordinator_leases SET checks = ?, finished_at = ? WHERE ticket_id = ? AND token = ?",
  // Attempts since the last manual retry (failed/cancelled/blocked → backlog): max_attempts
  // applies per round, while `attempts` keeps counting every claim ever made.
  roundAttempts: `SELECT COUNT(*) AS n FROM ticket_transitions WHERE ticket_id = @id AND to_state = 'claimed'
      AND seq > COALESCE((SELECT MAX(seq) FROM ticket_transitions WHERE ticket_id = @id AND to_state = 'backlog'
        AND from_state IN ('failed', 'cancelled', 'blocked')), 0)`,
  overdue: `SELECT t.id, t.state, l.token, l.deadline, t.lease_expires_at
      FROM tickets t LEFT JOIN coordinator_leases l ON l.ticket_id = t.id
      WHERE t.state IN ('claimed', 'running')
        AND ((t.lease_expires_at IS NOT NULL AND t.lease_expires_at <= @now) OR l.deadline <= @now)
      ORDER BY t.seq LIMIT 500`,
} as const;

// Lease tokens come from a pooled CSPRNG buffer: one randomBytes call per 256 claims instead of one each.
const TOKEN_BYTES = 12;
let tokenPool = Buffer.alloc(0);
let tokenAt = 0;
function leaseToken(): string {
  if (tokenAt + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 256);
    tokenAt = 0;
  }
  tokenAt += TOKEN_BYTES;
  return tokenPool.toString("hex", tokenAt - TOKEN_BYTES, tokenAt);
}

/**
 * Leases on tickets: claim, heartbeat, complete, fail, and the sweep that takes back
 * expired or timed-out leases. Every operation is one SQLite transaction; every write is
 * guarded by the lease token, so a worker that lost its lease can change nothing.
 */
export class LeaseBook {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly s: Statements<typeof SQL>;

  constructor(
    db: Db,
    private readonly events: EventLog,
    private readonly store: TicketStore,
    private readonly cfg: () => CoordinatorConfig,
    private readonly rand: () => number = Math.random,
  ) {
    assertTransition("(table check)", "ready", "claimed"); // the claim below bypasses store.transition
    this.s = prepareAll(db, SQL);
  }

  breaker(kind: string): CircuitBreaker {
    let b = this.breakers.get(kind);
    if (!b) {
      b = new CircuitBreaker(() => ({ threshold: this.cfg().breaker_failures, cooldownMs: this.cfg().breaker_cooldown_ms }));
      this.breakers.set(kind, b);
    }
    return b;
  }

  breakerStates(now = Date.now()) {
    return [...this.breakers].map(([agent_kind, b]) => ({ agent_kind, ...b.snapshot(now) }));
  }

  leasedByKind(): Record<string, number> {
    const rows = this.s.leasedByKind.all({ default_kind: this.cfg().default_agent_kind }) as { kind: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  private leasedTotal(): number {
    return (this.s.leasedTotal.get() as { n: number }).n;
  }

  lease(id: string): LeaseRow | null {
    return (this.s.leaseOnly.get(id) as LeaseRow | undefined) ?? null;
  }

  /** Leases the best ready ticket the caps and breakers allow, or says why none. */
  claim(worker: string, opts: { kind?: string | undefined; kinds?: readonly string[]; leaseMs?: number | undefined; now?: number } = {}): ClaimResult {
    const c = this.cfg();
    const now = opts.now ?? Date.now();
    const leaseMs = opts.leaseMs ?? c.lease_ms;
    const claimTx = (): ClaimResult => {
      // counted per kind only when there are per-kind caps to check; the total cap is checked by the claim itself
      const perKind = Object.keys(c.per_kind).length > 0;
      const byKind: Record<string, number> = perKind ? this.leasedByKind() : {};
      const full = () => ({ lease: null, reason: `all ${c.max_concurrent} slots are leased (coordinator.max_concurrent)` });
      if (perKind && Object.values(byKind).reduce((a, b) => a + b, 0) >= c.max_concurrent) return full();
      const blocked: string[] = [];
      const why: string[] = [];
      for (const [kind, cap] of Object.entries(c.per_kind)) {
        if ((byKind[kind] ?? 0) >= cap) {
          blocked.push(kind);
          why.push(`${kind}: ${cap} leased (coordinator.per_kind)`);
        }
      }
      for (const [kind, b] of this.breakers) {
        if (!b.allows(now)) {
          blocked.push(kind);
          why.push(`${kind}: circuit breaker ${b.phase(now)}`);
        }
      }
      const only = opts.kind ? [opts.kind] : opts.kinds ? [...opts.kinds] : null;
      if (only && only.every((k) => blocked.includes(k))) {
        if (!perKind && this.leasedTotal() >= c.max_concurrent) return full(); // a full house is said first, as with per-kind caps
        return { lease: null, reason: why.filter((w) => only.some((k) => w.startsWith(k + ":"))).join("; ") || "blocked" };
      }
      const iso = new Date(now).toISOString();
      const filtered = only !== null || blocked.length > 0;
      const row = (filtered ? this.s.claim : this.s.claimAny).get({
        reason: `claimed by ${worker}`,
        worker,
        expires: now + leaseMs,
        iso,
        now,
        cap: c.max_concurrent,
        default_kind: c.default_agent_kind,
        ...(filtered ? { only: only ? JSON.stringify(only) : null, blocked: JSON.stringify(blocked) } : {}),
      }) as (TicketRow & { kind: string }) | undefined;
      if (!row) {
        if (this.leasedTotal() >= c.max_concurrent) return full();
        const base = only ? `no ready ticket of kind ${only.join(", ")}` : "no ready ticket";
        return { lease: null, reason: why.length ? `${base} that may run now (${why.join("; ")})` : base };
      }
      const token = leaseToken();
      const deadline = now + (row.timeout_ms ?? c.default_timeout_ms);
      this.s.putLease.run(row.id, token, worker, row.kind, row.attempts, now, deadline);
      this.s.history.run(row.id, `claimed by ${worker}`, worker, iso);
      this.events.append("ticket.transitioned", row.id, {
        id: row.id,
        from: "ready",
        to: "claimed",
        reason: `claimed by ${worker}`,
        actor: worker,
        attempt: row.attempts,
      });
      this.breaker(row.kind).onDispatch(now);
      const { kind: _k, ...ticketRow } = row;
      const ticket = toTicket(ticketRow, this.store.depsOf(row.id));
      return { lease: { ticket, lease: token, worker, agent_kind: row.kind, lease_expires_at: now + leaseMs, deadline }, reason: null };
    };
    // Inside complete-and-claim this nests (a savepoint) in that transaction.
    return this.store.tx(claimTx);
  }

  /** Throws CONFLICT unless `token` is the live lease on `id`; returns the lease and state. */
  private held(id: string, token: string): HeldLease {
    const row = this.s.lease.get(id) as HeldLease | undefined;
    if (!row) {
      this.store.get(id); // NOT_FOUND for an unknown ticket
      throw new SwarmError("CONFLICT", `ticket ${id} has no lease; claim it first with ticket.claim`);
    }
    if (row.token !== token || !LEASED.includes(row.state)) {
      const now =
        row.token === token ? `the ticket is now ${row.state}` : `the ticket was re-leased (attempt ${row.attempt}, ${row.worker}) and is ${row.state}`;
      throw new SwarmError("CONFLICT", `stale lease on ticket ${id}: ${now}`, {
        details: { id, state: row.state },
        hint: "stop working on this ticket; claim another one",
      });
    }
    return row;
  }

  heartbeat(id: string, token: string, leaseMs?: number, now = Date.now()): { lease_expires_at: number; state: TicketState } {
    return this.store.tx(() => {
      const l = this.held(id, token);
      const expires = now + (leaseMs ?? this.cfg().lease_ms);
      if (l.state === "claimed") {
        this.store.transition(id, "running", { from: "claimed", actor: l.worker, reason: "worker started", patch: { lease_expires_at: expires } });
      } else this.s.renew.run(expires, id);
      return { lease_expires_at: expires, state: "running" as TicketState };
    });
  }

  /** Finishes a leased ticket: done, or review when it requires approval. */
  complete(id: string, token: string, result: unknown, checks: string[], now = Date.now()): { ticket: Ticket; lease: LeaseRow } {
    return this.store.tx(() => {
      const l = this.held(id, token);
      // a worker that never sent a heartbeat: through running in the same write (history and events as two transitions)
      const ticket = this.store.transition(id, l.requires_approval ? "review" : "done", {
        from: l.state,
        via: l.state === "claimed" ? { state: "running", reason: "worker started" } : undefined,
        actor: l.worker,
        reason: `completed by ${l.worker} (attempt ${l.attempt})`,
        result,
      });
      this.s.finish.run(JSON.stringify([...checks].sort()), now, id, token);
      this.breaker(l.agent_kind).onSuccess();
      return { ticket, lease: { ...l, checks: JSON.stringify(checks), finished_at: now } };
    });
  }

  /**
   * Completes one ticket and claims the next for the same worker in one transaction, so a
   * busy worker pays one durable commit per ticket instead of two.
   */
  completeAndClaim(
    id: string,
    token: string,
    result: unknown,
    checks: string[],
    next: { kind?: string | undefined; leaseMs?: number | undefined },
    now = Date.now(),
  ): { ticket: Ticket; lease: LeaseRow; next: ClaimResult } {
    return this.store.tx(() => {
      const done = this.complete(id, token, result, checks, now);
      return { ...done, next: this.claim(done.lease.worker, { ...next, now }) };
    });
  }

  fail(id: string, token: string, error: string, retryable: boolean, now = Date.now()): { ticket: Ticket; retry_at: number | null } {
    return this.store.tx(() => {
      const l = this.held(id, token);
      return this.retryOrFail(id, l.state, l.agent_kind, l.max_attempts, error, retryable, l.worker, now);
    });
  }

  private retryOrFail(
    id: string,
    state: TicketState,
    kind: string,
    maxAttempts: number | null,
    error: string,
    retryable: boolean,
    actor: string,
    now: number,
  ): { ticket: Ticket; retry_at: number | null } {
    const c = this.cfg();
    this.breaker(kind).onFailure(now);
    const max = maxAttempts ?? c.max_attempts;
    const used = (this.s.roundAttempts.get({ id }) as { n: number }).n;
    const short = error.length > 500 ? error.slice(0, 500) + "…" : error;
    if (retryable && used < max) {
      const retryAt = now + backoffDelay(used, { baseMs: c.backoff_base_ms, maxMs: c.backoff_max_ms, jitter: c.backoff_jitter }, this.rand);
      const ticket = this.store.transition(id, "ready", {
        from: state,
        actor,
        reason: `attempt ${used}/${max} failed: ${short}; retry after ${new Date(retryAt).toISOString()}`,
        patch: { not_before: retryAt },
      });
      return { ticket, retry_at: retryAt };
    }
    const why = retryable ? `gave up after ${used}/${max} attempts` : "not retryable";
    const ticket = this.store.transition(id, "failed", { from: state, actor, reason: `${why}: ${short}` });
    return { ticket, retry_at: null };
  }

  /** Takes back leases that expired or ran past their deadline; returns the ticket ids. */
  sweep(now = Date.now()): { id: string; why: "lease expired" | "timed out"; retry_at: number | null }[] {
    const out: { id: string; why: "lease expired" | "timed out"; retry_at: number | null }[] = [];
    const rows = this.s.overdue.all({ now }) as {
      id: string;
      state: TicketState;
      token: string | null;
      deadline: number | null;
      lease_expires_at: number | null;
    }[];
    for (const r of rows) {
      try {
        this.store.tx(() => {
          const cur = this.s.lease.get(r.id) as HeldLease | undefined;
          const t = this.store.get(r.id);
          if (!LEASED.includes(t.state)) return; // changed since the scan
          if (cur && cur.token !== r.token) return;
          const timedOut = r.deadline !== null && r.deadline <= now;
          const why = timedOut ? "timed out" : "lease expired";
          const detail = timedOut ? `ran past its deadline` : `no heartbeat from ${cur?.worker ?? t.lease_owner ?? "?"}`;
          const res = this.retryOrFail(
            r.id,
            t.state,
            cur?.agent_kind ?? t.agent_kind ?? this.cfg().default_agent_kind,
            t.max_attempts,
            `${why} (${detail})`,
            true,
            "swarm",
            now,
          );
          out.push({ id: r.id, why, retry_at: res.retry_at });
        });
      } catch {
        // A concurrent change (cancel, complete) won the race; the next sweep re-reads.
      }
    }
    return out;
  }
}
