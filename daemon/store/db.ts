import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { DOMAIN_MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

/**
 * Opens the database with WAL and foreign keys and applies pending migrations.
 * synchronous=NORMAL in WAL mode: a committed transaction survives a crash or SIGKILL of
 * the daemon (the WAL is in the OS page cache); only a power loss can drop the last ones.
 */
export function openDatabase(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  fs.chmodSync(file, 0o600);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

export interface Migration {
  /** 1, 2, 3… within its domain; never renumber or edit one that has shipped. */
  version: number;
  name: string;
  sql: string;
}

/**
 * Migrations are numbered per domain (store, env, runtime, ticket…) so domains evolve
 * independently; each applies in one transaction with its record.
 */
export function migrate(db: Db, domains: Record<string, Migration[]> = DOMAIN_MIGRATIONS): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (domain, version))`);
  const applied = db.prepare("SELECT version FROM schema_migrations WHERE domain = ?");
  const record = db.prepare("INSERT INTO schema_migrations (domain, version, name, applied_at) VALUES (?, ?, ?, ?)");
  for (const [domain, list] of Object.entries(domains)) {
    const done = new Set((applied.all(domain) as { version: number }[]).map((r) => r.version));
    const sorted = [...list].sort((a, b) => a.version - b.version);
    sorted.forEach((m, i) => {
      if (m.version !== i + 1) throw new Error(`migrations of ${domain} must be numbered 1..n; found ${m.version} at ${i + 1}`);
    });
    for (const m of sorted) {
      if (done.has(m.version)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        record.run(domain, m.version, m.name, new Date().toISOString());
      })();
    }
  }
}
