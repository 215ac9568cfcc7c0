import type { Migration } from "../store/db.js";

/**
 * Variables forwarded into environments. `scope` is '' for global, else a project name.
 * Secrets keep only ciphertext (AES-256-GCM: iv, tag, ct); plain variables keep `value`.
 */
export const secretMigrations: Migration[] = [
  {
    version: 1,
    name: "variables and secrets",
    sql: `
      CREATE TABLE env_vars (
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        plain INTEGER NOT NULL,
        value TEXT,
        iv BLOB,
        tag BLOB,
        ct BLOB,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scope, name)
      );
    `,
  },
];
