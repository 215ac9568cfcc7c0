import type { Migration } from "../../store/db.js";

/**
 * The coordinator's own table: one row per ticket lease ever granted. The token is what a
 * worker must present; `deadline` enforces the per-ticket timeout even for a worker that
 * keeps heartbeating. The tickets table stays the store's; this only adds bookkeeping.
 */
export const coordinatorMigrations: Migration[] = [
  {
    version: 1,
    name: "leases",
    sql: `
      CREATE TABLE coordinator_leases (
        ticket_id TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        worker TEXT NOT NULL,
        agent_kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        checks TEXT,
        finished_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: "leases keyed by ticket id only",
    // WITHOUT ROWID: one B-tree keyed by ticket_id instead of a rowid table plus its key
    // index, so a claim writes one fewer page and every lookup is one search.
    sql: `
      CREATE TABLE coordinator_leases_new (
        ticket_id TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        worker TEXT NOT NULL,
        agent_kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        checks TEXT,
        finished_at INTEGER
      ) WITHOUT ROWID;
      INSERT INTO coordinator_leases_new SELECT ticket_id, token, worker, agent_kind, attempt, claimed_at, deadline, checks, finished_at FROM coordinator_leases;
      DROP TABLE coordinator_leases;
      ALTER TABLE coordinator_leases_new RENAME TO coordinator_leases;
    `,
  },
];
