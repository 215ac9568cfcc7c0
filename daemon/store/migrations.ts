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
  {
    version: 2,
    // Every event wrote a page of the type index in its commit (about a tenth of a ticket
    // claim's WAL bytes), but the only lookup by type is the coordinator's "was this prompt
    // delivered" check: a partial index on that type alone serves it and costs other events nothing.
    name: "events: a partial index for ticket.prompt_delivered instead of an index on every type",
    sql: `
      CREATE INDEX events_prompt_delivered ON events(subject) WHERE type = 'ticket.prompt_delivered';
      DROP INDEX events_type;
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
