import type { Migration } from "../store/db.js";

/**
 * The audit log (R-O2): append-only, one hash chain. Triggers refuse UPDATE and DELETE
 * through SQL, so only someone editing the file itself can change history, and
 * `audit.verify` finds that.
 */
export const auditMigrations: Migration[] = [
  {
    version: 1,
    name: "audit log with hash chain",
    sql: `
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        outcome TEXT NOT NULL,
        reason TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_ts ON audit_log(ts);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
];
