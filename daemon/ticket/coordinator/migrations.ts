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
];
