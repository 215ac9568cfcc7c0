import type { Migration } from "./db.js";
import { ticketMigrations } from "../ticket/migrations.js";
import { approvalMigrations } from "../approval/migrations.js";
import { coordinatorMigrations } from "../ticket/coordinator/migrations.js";
import { envMigrations } from "../env/migrations.js";
import { secretMigrations } from "../secrets/migrations.js";
import { runtimeMigrations } from "../runtime/migrations.js";

/** The core tables: the event log (source of the event stream) and key-value metadata. */
const core: Migration[] = [
  {
    version: 1,
    name: "events and meta",
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        type TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        subject TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX events_type ON events(type);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
];

/**
 * Every domain's migrations, applied in this order. A domain adds its list here
 * (e.g. `env: envMigrations` from daemon/env/migrations.ts).
 */
export const DOMAIN_MIGRATIONS: Record<string, Migration[]> = {
  core,
  ticket: ticketMigrations,
  approval: approvalMigrations,
  env: envMigrations,
  coordinator: coordinatorMigrations,
  secrets: secretMigrations,
  runtime: runtimeMigrations,
};
