import { createHash } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { AuditEntry } from "../../protocol/methods/audit.js";
import type { Db } from "../store/db.js";

export const GENESIS = "0".repeat(64);

export interface AuditRecord {
  actor: string;
  actor_kind: AuditEntry["actor_kind"];
  action: string;
  subject?: string | null;
  outcome: AuditEntry["outcome"];
  reason?: string | null;
  details?: Record<string, unknown>;
}

type Row = Omit<AuditEntry, "details"> & { details: string };

export interface VerifyResult {
  ok: boolean;
  rows: number;
  head: string;
  problem: { seq: number; kind: "edited" | "deleted" | "reordered"; message: string } | null;
}

/** The hash of a row: sha256 over the previous hash and the row's fields (not its seq, so a moved row is told from an edited one). */
export function rowHash(prev: string, r: Omit<Row, "seq" | "hash" | "prev_hash">): string {
  const fields = [r.ts, r.actor, r.actor_kind, r.action, r.subject ?? "", r.outcome, r.reason ?? "", r.details];
  return createHash("sha256").update(prev).update("\n").update(JSON.stringify(fields)).digest("hex");
}

/**
 * The one audit log of the daemon: every mutating operator action, every policy decision,
 * every rejected agent call. Each row carries the previous row's hash, so an edited,
 * deleted or reordered row breaks the chain where it happened. `append` joins the caller's
 * transaction when there is one (the row rolls back with the change it describes).
 */
export class AuditLog {
  private readonly s: Record<"insert" | "last" | "all" | "page", Statement>;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO audit_log (seq, ts, actor, actor_kind, action, subject, outcome, reason, details, prev_hash, hash)
        VALUES (@seq, @ts, @actor, @actor_kind, @action, @subject, @outcome, @reason, @details, @prev_hash, @hash)`),
      last: db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"),
      all: db.prepare("SELECT * FROM audit_log ORDER BY seq"),
      page: db.prepare(`SELECT * FROM audit_log WHERE seq > @since AND (@since_ts IS NULL OR ts >= @since_ts)
        AND (@actor IS NULL OR actor = @actor) AND (@outcome IS NULL OR outcome = @outcome) ORDER BY seq LIMIT @limit`),
    };
  }

  append(rec: AuditRecord): number {
    // Read the head each time: a rolled-back append must not leave a stale hash in memory.
    const last = this.s.last.get() as { seq: number; hash: string } | undefined;
    const prev = last?.hash ?? GENESIS;
    const seq = (last?.seq ?? 0) + 1;
    const row = {
      ts: new Date().toISOString(),
      actor: rec.actor,
      actor_kind: rec.actor_kind,
      action: rec.action,
      subject: rec.subject ?? null,
      outcome: rec.outcome,
      reason: rec.reason ?? null,
      details: JSON.stringify(rec.details ?? {}),
    };
    this.s.insert.run({ ...row, seq, prev_hash: prev, hash: rowHash(prev, row) });
    return seq;
  }

  list(f: { since: number; since_ts?: string; actor?: string; outcome?: string; limit: number }): AuditEntry[] {
    const since_ts = f.since_ts ? new Date(f.since_ts).toISOString() : null;
    const rows = this.s.page.all({ since: f.since, since_ts, actor: f.actor ?? null, outcome: f.outcome ?? null, limit: f.limit }) as Row[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /** Walks the chain from the start; the first row that does not fit is named with what happened to it. */
  verify(): VerifyResult {
    const rows = this.s.all.all() as Row[];
    const byHash = new Map(rows.map((r) => [r.hash, r.seq]));
    let prev = GENESIS;
    let expectSeq = 1;
    for (const r of rows) {
      const bad = (kind: "edited" | "deleted" | "reordered", seq: number, message: string): VerifyResult => ({
        ok: false,
        rows: rows.length,
        head: rows[rows.length - 1]!.hash,
        problem: { seq, kind, message },
      });
      if (rowHash(r.prev_hash, r) !== r.hash) return bad("edited", r.seq, `row ${r.seq} was edited: its contents do not match its hash`);
      if (r.seq !== expectSeq)
        return bad("deleted", expectSeq, `row ${expectSeq} was deleted${r.seq > expectSeq + 1 ? ` (rows ${expectSeq}..${r.seq - 1} are missing)` : ""}`);
      if (r.prev_hash !== prev) {
        const moved = byHash.has(r.prev_hash) && byHash.get(r.prev_hash)! > r.seq;
        return moved
          ? bad("reordered", r.seq, `row ${r.seq} is out of order: it follows row ${byHash.get(r.prev_hash)} in the chain`)
          : bad("deleted", r.seq, `the row before ${r.seq} in the chain is missing (deleted, and later rows renumbered)`);
      }
      prev = r.hash;
      expectSeq++;
    }
    return { ok: true, rows: rows.length, head: prev, problem: null };
  }
}
