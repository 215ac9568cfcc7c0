import type { AuditLog } from "../audit/log.js";
import type { Db } from "../store/db.js";

/** What approval.audit and approval.get show of a row (protocol/methods/approval.ts AuditEntry). */
export interface ApprovalAuditEntry {
  seq: number;
  approval_id: string;
  ticket_id: string | null;
  action: "requested" | "approved" | "rejected" | "clarification_requested";
  actor: string;
  reason: string | null;
  ts: string;
  details: Record<string, unknown>;
}

/** The audit chain's actions of approvals (`approval.<action>`; the RPC calls themselves are `approval.approve`… without the d). */
const ACTIONS = ["requested", "approved", "rejected", "clarification_requested"] as const;
const IN_LIST = ACTIONS.map((a) => `'approval.${a}'`).join(", ");

interface ChainRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  reason: string | null;
  details: string;
}

/** Approvals' rows of the one audit chain, oldest first: one approval's, or all after `since` (a chain seq). */
export function approvalAuditOf(db: Db, opts: { approval_id?: string; since?: number; limit?: number }): ApprovalAuditEntry[] {
  const rows = db
    .prepare(
      `SELECT seq, ts, actor, action, subject, reason, details FROM audit_log WHERE action IN (${IN_LIST})
        AND (@id IS NULL OR subject = @id) AND seq > @since ORDER BY seq LIMIT @limit`,
    )
    .all({ id: opts.approval_id ?? null, since: opts.since ?? 0, limit: opts.approval_id ? -1 : (opts.limit ?? 1000) }) as ChainRow[];
  return rows.map((r) => {
    const { ticket_id, recorded_at, ...details } = JSON.parse(r.details) as Record<string, unknown>;
    return {
      seq: r.seq,
      approval_id: r.subject,
      ticket_id: typeof ticket_id === "string" ? ticket_id : null,
      action: r.action.slice("approval.".length) as ApprovalAuditEntry["action"],
      actor: r.actor,
      reason: r.reason,
      // a row folded in from the old table keeps the time it was first recorded
      ts: typeof recorded_at === "string" ? recorded_at : r.ts,
      details,
    };
  });
}

/**
 * Databases from before the approvals' audit joined the chain kept it in their own table,
 * `approvals_audit`: its rows are appended to the chain, oldest first (each with its
 * original time as `recorded_at`), and the table is dropped, in one transaction. A fresh
 * database gets the (empty) table from the approvals' first migration and loses it here.
 */
export function foldLegacyAudit(db: Db, audit: AuditLog): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'approvals_audit'").get();
  if (!exists) return 0;
  return db.transaction(() => {
    const rows = db.prepare("SELECT * FROM approvals_audit ORDER BY seq").all() as {
      seq: number;
      approval_id: string;
      ticket_id: string | null;
      action: string;
      actor: string;
      reason: string | null;
      ts: string;
      details: string;
    }[];
    for (const r of rows) {
      const details = JSON.parse(r.details) as Record<string, unknown>;
      audit.append({
        actor: r.actor,
        actor_kind: r.actor === "swarm" || details.expired === true ? "policy" : "operator",
        action: `approval.${r.action}`,
        subject: r.approval_id,
        outcome: "ok",
        reason: r.reason,
        details: { ticket_id: r.ticket_id, ...details, recorded_at: r.ts, folded_from: `approvals_audit#${r.seq}` },
      });
    }
    db.exec("DROP TABLE approvals_audit");
    return rows.length;
  })();
}
