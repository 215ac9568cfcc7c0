import type { Migration } from "../store/db.js";

/**
 * Ticket tables. Times the coordinator compares (leases, backoff) are integers in ms since
 * the epoch; times people read are ISO strings. Rows are never deleted: a cancelled or
 * deleted-file ticket keeps its history.
 */
export const ticketMigrations: Migration[] = [
  {
    version: 1,
    name: "tickets, dependencies, history, workflows",
    sql: `
      CREATE TABLE workflows (
        id TEXT PRIMARY KEY,
        name TEXT,
        idempotency_key TEXT UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE tickets (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        workspace TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL,
        state_reason TEXT,
        requires_approval INTEGER NOT NULL DEFAULT 0,
        agent_kind TEXT,
        timeout_ms INTEGER,
        max_attempts INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        not_before INTEGER,
        result TEXT,
        inputs TEXT,
        workflow_id TEXT REFERENCES workflows(id),
        workflow_key TEXT,
        idempotency_key TEXT UNIQUE,
        source_file TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX tickets_ready ON tickets(state, priority DESC, seq);
      CREATE INDEX tickets_workflow ON tickets(workflow_id);
      CREATE INDEX tickets_lease ON tickets(state, lease_expires_at);
      CREATE UNIQUE INDEX tickets_source_file ON tickets(source_file) WHERE source_file IS NOT NULL;
      CREATE TABLE ticket_deps (
        ticket_id TEXT NOT NULL REFERENCES tickets(id),
        depends_on TEXT NOT NULL REFERENCES tickets(id),
        PRIMARY KEY (ticket_id, depends_on)
      );
      CREATE INDEX ticket_deps_rev ON ticket_deps(depends_on);
      CREATE TABLE ticket_transitions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id TEXT NOT NULL REFERENCES tickets(id),
        from_state TEXT,
        to_state TEXT NOT NULL,
        reason TEXT,
        actor TEXT,
        ts TEXT NOT NULL
      );
      CREATE INDEX ticket_transitions_ticket ON ticket_transitions(ticket_id, seq);
      CREATE TABLE ticket_watch_dirs (dir TEXT PRIMARY KEY, added_at TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: "drop the redundant lease index",
    // Every claim and complete rewrote two entries of it. Lease queries (expired, overdue,
    // leased counts) look only at claimed/running tickets, at most coordinator.max_concurrent
    // of them, which tickets_ready (state first) finds as well.
    sql: `DROP INDEX IF EXISTS tickets_lease;`,
  },
];
