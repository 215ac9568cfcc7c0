import type { Migration } from "../store/db.js";

/** The runtime registry (R-R2). */
export const runtimeMigrations: Migration[] = [
  {
    version: 1,
    name: "runtimes",
    sql: `
      CREATE TABLE runtimes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        environment TEXT,
        cwd TEXT NOT NULL,
        agent TEXT NOT NULL,
        command TEXT NOT NULL,
        session_id TEXT,
        pid INTEGER,
        holder_pid INTEGER,
        holder_socket TEXT,
        pty_backend TEXT NOT NULL,
        management TEXT NOT NULL,
        state TEXT NOT NULL,
        why TEXT NOT NULL DEFAULT '',
        exit_code INTEGER,
        exit_signal INTEGER,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL DEFAULT 0,
        heartbeat_at TEXT,
        last_output_at TEXT,
        last_human_input_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        exited_at TEXT
      );
      CREATE INDEX runtimes_state ON runtimes(state);
    `,
  },
  { version: 2, name: "custom detector rules", sql: "ALTER TABLE runtimes ADD COLUMN detector TEXT;" },
  { version: 3, name: "unmanaged target", sql: "ALTER TABLE runtimes ADD COLUMN target TEXT;" },
  {
    version: 4,
    name: "variable names and resume generations",
    sql: "ALTER TABLE runtimes ADD COLUMN var_names TEXT; ALTER TABLE runtimes ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;",
  },
  { version: 5, name: "agent id in threads", sql: "ALTER TABLE runtimes ADD COLUMN agent_id TEXT;" },
];
