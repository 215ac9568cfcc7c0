import { prepareAll, type Statements } from "../store/statements.js";
import { whereClause } from "../store/where.js";
import { SwarmError } from "../../protocol/errors.js";
import type { Approval, ApprovalState } from "../../protocol/methods/approval.js";
import type { AuditLog } from "../audit/log.js";
import type { TicketStore } from "../ticket/store.js";
import { approvalAuditOf, foldLegacyAudit, type ApprovalAuditEntry } from "./audit.js";

type Decision = Exclude<ApprovalState, "pending">;

interface Row {
  id: string;
  ticket_id: string | null;
  state: ApprovalState;
  summary: string;
  diff: string;
  diff_truncated: number;
  files_changed: string;
  untracked: string;
  workdir: string | null;
  base: string | null;
  requested_by: string;
  requested_at: string;
  expires_at: number;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  expired: number;
}

function toApproval(r: Row): Approval {
  return {
    id: r.id,
    ticket_id: r.ticket_id,
    state: r.state,
    summary: r.summary,
    diff: r.diff,
    diff_truncated: r.diff_truncated === 1,
    files_changed: JSON.parse(r.files_changed) as string[],
    untracked: JSON.parse(r.untracked) as string[],
    workdir: r.workdir,
    base: r.base,
    requested_by: r.requested_by,
    requested_at: r.requested_at,
    expires_at: new Date(r.expires_at).toISOString(),
    decided_by: r.decided_by,
    decided_at: r.decided_at,
    decision_reason: r.decision_reason,
    expired: r.expired === 1,
  };
}

export interface NewApproval {
  ticket_id?: string | undefined;
  summary: string;
  diff: string;
  diff_truncated: boolean;
  files_changed: string[];
  untracked?: string[] | undefined;
  workdir?: string | undefined;
  base?: string | undefined;
  requested_by: string;
  expires_at: number;
}

/** What a decision does to the approval's ticket, when the ticket is waiting in review. */
const TICKET_EFFECT: Record<Decision, { to: "done" | "failed" | "blocked"; reason: string }> = {
  approved: { to: "done", reason: "approved" },
  rejected: { to: "failed", reason: "approval rejected" },
  clarification_requested: { to: "blocked", reason: "clarification requested" },
};

const SQL = {
  byId: "SELECT * FROM approvals WHERE id = ?",
  pendingOf: "SELECT id FROM approvals WHERE ticket_id = ? AND state = 'pending'",
  nextSeq: "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM approvals",
  insert: `INSERT INTO approvals (id, ticket_id, state, summary, diff, diff_truncated, files_changed, untracked, workdir, base, requested_by, requested_at, expires_at)
    VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  decide: "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, decision_reason = ?, expired = ? WHERE id = ?",
  due: "SELECT id FROM approvals WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at",
  nextDeadline: "SELECT MIN(expires_at) AS t FROM approvals WHERE state = 'pending'",
} as const;

/**
 * Approvals (R-T5). Requests and decisions change the approval, its ticket, the daemon's
 * audit chain (daemon/audit) and the event log in one transaction (the ticket store's), so
 * an audit row exists exactly when the decision took effect.
 */
export class ApprovalStore {
  private readonly s: Statements<typeof SQL>;

  constructor(
    private readonly tickets: TicketStore,
    private readonly auditLog: AuditLog,
  ) {
    this.s = prepareAll(tickets.db, SQL);
    foldLegacyAudit(tickets.db, auditLog);
  }

  private get db() {
    return this.tickets.db;
  }

  find(id: string): Approval | null {
    const r = this.s.byId.get(id) as Row | undefined;
    return r ? toApproval(r) : null;
  }

  get(id: string): Approval {
    const a = this.find(id);
    if (!a) throw new SwarmError("NOT_FOUND", `no approval ${id}`, { hint: "`swarmctl approval list` shows them" });
    return a;
  }

  list(f: { state?: ApprovalState | undefined; ticket_id?: string | undefined }): Approval[] {
    const w = whereClause([
      ["state = ?", f.state],
      ["ticket_id = ?", f.ticket_id],
    ]);
    const rows = this.db.prepare(`SELECT * FROM approvals ${w.sql} ORDER BY seq DESC`).all(...w.args) as Row[];
    return rows.map(toApproval);
  }

  /** The approvals' rows of the audit chain, as approval.audit shows them. */
  audit(opts: { approval_id?: string; since?: number; limit?: number } = {}): ApprovalAuditEntry[] {
    return approvalAuditOf(this.db, opts);
  }

  private record(a: { id: string; ticket_id: string | null }, action: string, actor: string, reason: string | null, details: Record<string, unknown>): void {
    // the daemon's own requests and the expiry's decisions are policy; the rest came from a client of the socket
    const byPolicy = actor === "swarm" || details.expired === true;
    this.auditLog.append({
      actor,
      actor_kind: byPolicy ? "policy" : "operator",
      action: `approval.${action}`,
      subject: a.id,
      outcome: "ok",
      reason,
      details: { ticket_id: a.ticket_id, ...details },
    });
  }

  request(n: NewApproval): Approval {
    return this.tickets.tx(() => {
      if (n.ticket_id !== undefined) {
        const t = this.tickets.get(n.ticket_id);
        const open = this.s.pendingOf.get(t.id) as { id: string } | undefined;
        if (open)
          throw new SwarmError("CONFLICT", `ticket ${t.id} already has a pending approval ${open.id}`, {
            hint: `decide it first: swarmctl approval show ${open.id}`,
          });
        if (t.state !== "review") {
          this.tickets.transition(t.id, "review", { reason: "approval requested", actor: n.requested_by });
        }
      }
      const seq = (this.s.nextSeq.get() as { n: number }).n;
      const id = `ap-${seq}`;
      this.s.insert.run(
        id,
        n.ticket_id ?? null,
        n.summary,
        n.diff,
        n.diff_truncated ? 1 : 0,
        JSON.stringify(n.files_changed),
        JSON.stringify(n.untracked ?? []),
        n.workdir ?? null,
        n.base ?? null,
        n.requested_by,
        new Date().toISOString(),
        n.expires_at,
      );
      const a = { id, ticket_id: n.ticket_id ?? null };
      this.record(a, "requested", n.requested_by, null, {
        files_changed: n.files_changed.length,
        diff_bytes: Buffer.byteLength(n.diff),
        expires_at: new Date(n.expires_at).toISOString(),
      });
      this.tickets.emit("approval.requested", id, { id, ticket_id: a.ticket_id, requested_by: n.requested_by, files_changed: n.files_changed.length });
      return this.get(id);
    });
  }

  /** Decides a pending approval; `expired` marks a decision made by the expiry policy. */
  decide(id: string, decision: Decision, actor: string, reason: string | null, expired = false): Approval {
    return this.tickets.tx(() => {
      const a = this.get(id);
      if (a.state !== "pending") {
        throw new SwarmError("INVALID_TRANSITION", `approval ${id} was already ${a.state} by ${a.decided_by} at ${a.decided_at}`, {
          details: { id, from: a.state, to: decision, allowed: [] },
        });
      }
      if (decision !== "approved" && !reason) {
        throw new SwarmError("INVALID_ARGUMENT", `a ${decision === "rejected" ? "rejection" : "clarification request"} needs a reason`, {
          hint: "pass --reason TEXT",
        });
      }
      let ticketEffect: Record<string, unknown> = {};
      if (a.ticket_id) {
        const t = this.tickets.get(a.ticket_id);
        const eff = TICKET_EFFECT[decision];
        if (t.state === "review") {
          const why = `${eff.reason}${reason ? `: ${reason}` : ""} (${id})`;
          this.tickets.transition(t.id, eff.to, { reason: why, actor, approved: decision === "approved" });
          ticketEffect = { ticket_from: "review", ticket_to: eff.to };
        } else {
          // The ticket left review another way (cancelled…): record the decision, leave the ticket.
          ticketEffect = { ticket_state: t.state, ticket_unchanged: true };
        }
      }
      const now = new Date().toISOString();
      this.s.decide.run(decision, actor, now, reason, expired ? 1 : 0, id);
      this.record(a, decision, actor, reason, { expired, ...ticketEffect });
      this.tickets.emit(expired ? "approval.expired" : `approval.${decision}`, id, { id, ticket_id: a.ticket_id, actor, reason, expired, ...ticketEffect });
      return this.get(id);
    });
  }

  /** Pending approvals whose deadline has passed. */
  due(now: number): string[] {
    return (this.s.due.all(now) as { id: string }[]).map((r) => r.id);
  }

  nextDeadline(): number | null {
    const r = this.s.nextDeadline.get() as { t: number | null };
    return r.t;
  }
}
