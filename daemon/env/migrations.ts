import type { Migration } from "../store/db.js";

/** The environment registry (R-E3): live environments, deleted ones (for restore), checkpoints. */
export const envMigrations: Migration[] = [
  {
    version: 1,
    name: "envs, deleted envs, checkpoints",
    sql: `
      CREATE TABLE envs (
        name TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        provider TEXT NOT NULL,
        state TEXT NOT NULL,
        state_reason TEXT,
        repo TEXT NOT NULL,
        branch TEXT NOT NULL,
        host_path TEXT,
        cpus REAL NOT NULL,
        memory_mib INTEGER NOT NULL,
        net TEXT NOT NULL,
        capabilities TEXT NOT NULL,
        handle TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_activity_at TEXT NOT NULL
      );
      CREATE INDEX envs_project ON envs(project);
      CREATE TABLE env_deleted (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        record TEXT NOT NULL,
        deleted_at TEXT NOT NULL
      );
      CREATE INDEX env_deleted_name ON env_deleted(name);
      CREATE TABLE env_checkpoints (
        env TEXT NOT NULL REFERENCES envs(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        provider TEXT NOT NULL,
        base TEXT NOT NULL,
        bytes INTEGER,
        created_at TEXT NOT NULL,
        PRIMARY KEY (env, name)
      );
    `,
  },
];
