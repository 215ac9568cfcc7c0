import { SCHEMA_VERSION } from "../../protocol/version.js";
import type { EventRecord } from "../../protocol/events.js";
import type { Logger } from "../log/logger.js";
import type { Db } from "../store/db.js";
import { prepareAll, type Statements } from "../store/statements.js";
import { Transactor } from "../store/transact.js";

interface Row {
  id: number;
  ts: string;
  type: string;
  schema_version: number;
  subject: string | null;
  data: string;
}

function toRecord(r: Row): EventRecord {
  return { id: r.id, ts: r.ts, type: r.type, schema_version: r.schema_version, subject: r.subject, data: JSON.parse(r.data) };
}

export function matchesTypes(type: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith("*") ? type.startsWith(p.slice(0, -1)) : type === p));
}

export type EventListener = (ev: EventRecord) => void;

const SQL = {
  insert: "INSERT INTO events (ts, type, schema_version, subject, data) VALUES (?, ?, ?, ?, ?)",
  after: "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?",
  maxId: "SELECT COALESCE(MAX(id), 0) AS id FROM events",
} as const;

/**
 * The event log. `append` writes the row at once (inside the caller's transaction, if
 * any) and tells listeners only after that row has committed, so anything a client was
 * told about is durable, a rolled-back change is never heard of, and listeners see ids
 * strictly increasing. A listener that throws is logged; the write and the other
 * listeners are unaffected.
 *
 * Every transaction that may append events is opened with `transactor.run` (the one
 * Transactor of this database); appending inside a transaction opened another way is a
 * bug and throws, because the log could not know when it commits.
 */
export class EventLog {
  private readonly s: Statements<typeof SQL>;
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    readonly transactor: Transactor = new Transactor(db, logger),
  ) {
    this.s = prepareAll(db, SQL);
  }

  append(type: string, subject: string | null, data: Record<string, unknown> = {}): EventRecord {
    if (this.db.inTransaction && !this.transactor.active) {
      throw new Error(`event ${type} appended inside a transaction not opened with Transactor.run; listeners could not be told when it commits`);
    }
    const ts = new Date().toISOString();
    const info = this.s.insert.run(ts, type, SCHEMA_VERSION, subject, JSON.stringify(data));
    const ev: EventRecord = { id: Number(info.lastInsertRowid), ts, type, schema_version: SCHEMA_VERSION, subject, data };
    this.transactor.afterCommit(() => this.deliver(ev));
    return ev;
  }

  private deliver(ev: EventRecord): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        // The logger counts repeats of one message instead of writing each (rate limit).
        this.logger.error("event listener threw; the event stands and other listeners still get it", {
          event_id: ev.id,
          type: ev.type,
          error: String(err),
          stack: err instanceof Error ? err.stack : undefined,
        });
      }
    }
  }

  /** Events with id > since, oldest first; filtering by type happens after the limit. */
  list(since: number, limit: number, types?: readonly string[]): EventRecord[] {
    const out: EventRecord[] = [];
    let cursor = since;
    // Page through so a type filter still returns up to `limit` matches.
    for (;;) {
      const rows = this.s.after.all(cursor, Math.max(limit, 500)) as Row[];
      for (const r of rows) {
        cursor = r.id;
        if (matchesTypes(r.type, types)) {
          out.push(toRecord(r));
          if (out.length >= limit) return out;
        }
      }
      if (rows.length === 0) return out;
    }
  }

  lastId(): number {
    return (this.s.maxId.get() as { id: number }).id;
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
