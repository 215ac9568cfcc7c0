import type { Migration } from "../store/db.js";

/** Approvals and their audit trail; rows are never deleted. Times compared are ms. */
export const approvalMigrations: Migration[] = [
  {
    version: 1,
    name: "approvals and approvals_audit",
    sql: `
      CREATE TABLE approvals (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        ticket_id TEXT,
        state TEXT NOT NULL,
        summary TEXT NOT NULL,
        diff TEXT NOT NULL,
        diff_truncated INTEGER NOT NULL,
        files_changed TEXT NOT NULL,
        workdir TEXT,
        base TEXT,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        decision_reason TEXT,
        expired INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX approvals_pending ON approvals(state, expires_at);
      CREATE INDEX approvals_ticket ON approvals(ticket_id);
      CREATE TABLE approvals_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        approval_id TEXT NOT NULL,
        ticket_id TEXT,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT,
        ts TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX approvals_audit_approval ON approvals_audit(approval_id, seq);
    `,
  },
  // which of files_changed git did not track yet: the diff viewer marks them (a diff alone cannot tell)
  { version: 2, name: "untracked files", sql: "ALTER TABLE approvals ADD COLUMN untracked TEXT NOT NULL DEFAULT '[]';" },
];
