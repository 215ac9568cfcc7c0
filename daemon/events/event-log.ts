import type { Statement } from "better-sqlite3";
import { SCHEMA_VERSION } from "../../protocol/version.js";
import type { EventRecord } from "../../protocol/events.js";
import type { Db } from "../store/db.js";

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

/**
 * The event log. `append` commits before listeners hear of the event, so anything a client
 * was told about is durable, and ids seen by listeners are strictly increasing.
 */
export class EventLog {
  private readonly insert: Statement;
  private readonly after: Statement;
  private readonly maxId: Statement;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly db: Db) {
    this.insert = db.prepare("INSERT INTO events (ts, type, schema_version, subject, data) VALUES (?, ?, ?, ?, ?)");
    this.after = db.prepare("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?");
    this.maxId = db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM events");
  }

  append(type: string, subject: string | null, data: Record<string, unknown> = {}): EventRecord {
    const ts = new Date().toISOString();
    const info = this.insert.run(ts, type, SCHEMA_VERSION, subject, JSON.stringify(data));
    const ev: EventRecord = { id: Number(info.lastInsertRowid), ts, type, schema_version: SCHEMA_VERSION, subject, data };
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Events with id > since, oldest first; filtering by type happens after the limit. */
  list(since: number, limit: number, types?: readonly string[]): EventRecord[] {
    const out: EventRecord[] = [];
    let cursor = since;
    // Page through so a type filter still returns up to `limit` matches.
    for (;;) {
      const rows = this.after.all(cursor, Math.max(limit, 500)) as Row[];
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
    return (this.maxId.get() as { id: number }).id;
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
