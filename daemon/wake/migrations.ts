import type { Migration } from "../store/db.js";

/**
 * Wakes (R-M6, R-M7): one row per wake with its steps as JSON, and the runtimes whose wakes
 * are paused. The partial unique index is the dedupe rule: one pending wake per
 * participant + thread, whatever races to make a second.
 */
export const wakeMigrations: Migration[] = [
  {
    version: 1,
    name: "wakes and pauses",
    sql: `
      CREATE TABLE wakes (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        participant TEXT NOT NULL,
        target TEXT,
        thread_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        origin TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        phase TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        resumes INTEGER NOT NULL DEFAULT 0,
        stage TEXT NOT NULL DEFAULT 'inject',
        cursor_at INTEGER NOT NULL DEFAULT 0,
        waiting_since TEXT,
        deadline_at TEXT,
        outcome TEXT,
        trigger_text TEXT,
        steps TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        ended_at TEXT
      );
      CREATE UNIQUE INDEX wakes_one_pending ON wakes(dedupe_key) WHERE outcome IS NULL;
      CREATE INDEX wakes_target ON wakes(target, n);
      CREATE TABLE wake_pauses (
        runtime TEXT PRIMARY KEY,
        reason TEXT,
        by TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `,
  },
];
