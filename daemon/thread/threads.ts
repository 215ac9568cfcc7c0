import type { Statement } from "better-sqlite3";
import { SwarmError } from "../../protocol/errors.js";
import type { Escalation, Participant, Thread, ThreadStatus } from "../../protocol/thread/model.js";
import type { EventLog } from "../events/event-log.js";
import type { Db } from "../store/db.js";

export interface ThreadRow {
  id: string;
  workspace: string;
  type: string;
  title: string;
  status: ThreadStatus;
  status_reason: string | null;
  ticket_id: string | null;
  last_seq: number;
  no_progress_turns: number;
  escalation: string | null;
  summary: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** What a post does to the thread's no-progress count (loops.ts turnStep). */
export type TurnStep = "keep" | "reset" | "count";

export interface NewThread {
  workspace: string;
  type: string;
  title: string;
  ticket_id: string | null;
  participants: { agent_id: string; role: string }[];
  created_by: string;
  idempotency_key: string | null;
}

const SQL = {
  next: "SELECT COALESCE(MAX(n), 0) + 1 AS n FROM threads",
  insert: `INSERT INTO threads (n, id, workspace, type, title, status, ticket_id, created_by, idempotency_key, created_at, updated_at)
    VALUES (@n, @id, @workspace, @type, @title, 'open', @ticket_id, @created_by, @idempotency_key, @now, @now)`,
  byId: "SELECT * FROM threads WHERE id = ?",
  // the row and whether `agent` takes part, in one look-up (every agent call checks both)
  byIdFor: "SELECT t.*, EXISTS (SELECT 1 FROM thread_participants p WHERE p.thread_id = t.id AND p.agent_id = ?) AS member FROM threads t WHERE t.id = ?",
  byKey: "SELECT id FROM threads WHERE created_by = ? AND idempotency_key = ?",
  addParticipant: "INSERT OR IGNORE INTO thread_participants (thread_id, agent_id, role, joined_at) VALUES (?, ?, ?, ?)",
  isParticipant: "SELECT 1 FROM thread_participants WHERE thread_id = ? AND agent_id = ?",
  // each participant with its unread count (as `unread` below, per participant), in one statement
  participants: `SELECT p.agent_id, p.role, p.joined_at, COALESCE(c.last_read_seq, 0) AS last_read_seq,
    MAX(0, @last_seq - COALESCE(c.last_read_seq, 0) - (SELECT COUNT(*) FROM thread_messages m
      WHERE m.thread_id = p.thread_id AND m.author = p.agent_id AND m.seq > COALESCE(c.last_read_seq, 0))) AS unread
    FROM thread_participants p LEFT JOIN thread_cursors c ON c.thread_id = p.thread_id AND c.reader = p.agent_id
    WHERE p.thread_id = @id ORDER BY p.joined_at, p.agent_id`,
  cursor: "SELECT last_read_seq FROM thread_cursors WHERE thread_id = ? AND reader = ?",
  setCursor: `INSERT INTO thread_cursors (thread_id, reader, last_read_seq) VALUES (?, ?, ?)
    ON CONFLICT (thread_id, reader) DO UPDATE SET last_read_seq = excluded.last_read_seq`,
  // messages after the cursor (seq has no gaps) minus the reader's own, through thread_messages_author
  unread: `SELECT MAX(0, (SELECT last_seq FROM threads WHERE id = @id) - @cursor
    - (SELECT COUNT(*) FROM thread_messages WHERE thread_id = @id AND author = @reader AND seq > @cursor)) AS n`,
  // the same for a reader at its own cursor, read in the statement (a reader with no cursor row is at 0)
  unreadAtCursor: `SELECT MAX(0, t.last_seq - c.cur - (SELECT COUNT(*) FROM thread_messages WHERE thread_id = @id AND author = @reader AND seq > c.cur)) AS n
    FROM threads t, (SELECT COALESCE((SELECT last_read_seq FROM thread_cursors WHERE thread_id = @id AND reader = @reader), 0) AS cur) c WHERE t.id = @id`,
  setStatus: "UPDATE threads SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?",
  // the next seq and the no-progress count in one write, returning the row as it now is
  bump: `UPDATE threads SET last_seq = last_seq + 1, updated_at = @now,
    no_progress_turns = CASE @turns WHEN 'reset' THEN 0 WHEN 'count' THEN no_progress_turns + 1 ELSE no_progress_turns END
    WHERE id = @id RETURNING *`,
  // the author caught up before its post stays caught up (a cursor at 0 may have no row yet)
  ownCursor: "UPDATE thread_cursors SET last_read_seq = @seq WHERE thread_id = @id AND reader = @reader AND last_read_seq = @seq - 1",
  setTurns: "UPDATE threads SET no_progress_turns = ? WHERE id = ?",
  setEscalation: "UPDATE threads SET escalation = ?, updated_at = ? WHERE id = ?",
  setSummary: "UPDATE threads SET summary = ?, updated_at = ? WHERE id = ?",
  list: `SELECT * FROM threads WHERE (@workspace IS NULL OR workspace = @workspace) AND (@status IS NULL OR status = @status)
    AND (@ticket_id IS NULL OR ticket_id = @ticket_id) AND (@escalated IS NULL OR (escalation IS NOT NULL) = @escalated)
    AND (@participant IS NULL OR id IN (SELECT thread_id FROM thread_participants WHERE agent_id = @participant))
    ORDER BY updated_at DESC, n DESC LIMIT @limit`,
} as const;

export interface ListFilter {
  workspace?: string;
  status?: ThreadStatus;
  ticket_id?: string;
  escalated?: boolean;
  participant?: string;
  limit: number;
}

/**
 * Threads, participants and read cursors: the only code that writes those tables. Every
 * change appends its event; callers run it inside one transaction (Guard.handle).
 */
export class ThreadStore {
  private readonly s: { [K in keyof typeof SQL]: Statement };

  constructor(
    db: Db,
    private readonly events: EventLog,
  ) {
    this.s = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, db.prepare(v)])) as { [K in keyof typeof SQL]: Statement };
  }

  create(t: NewThread): { thread: Thread; created: boolean } {
    if (t.idempotency_key) {
      const prior = this.s.byKey.get(t.created_by, t.idempotency_key) as { id: string } | undefined;
      if (prior) return { thread: this.get(prior.id, t.created_by), created: false };
    }
    const n = (this.s.next.get() as { n: number }).n;
    const id = `th-${n}`;
    const now = new Date().toISOString();
    this.s.insert.run({ ...t, n, id, now });
    for (const p of t.participants) this.s.addParticipant.run(id, p.agent_id, p.role, now);
    this.events.append("thread.created", id, {
      id,
      workspace: t.workspace,
      type: t.type,
      title: t.title,
      participants: t.participants,
      ticket_id: t.ticket_id,
      by: t.created_by,
    });
    return { thread: this.get(id, t.created_by), created: true };
  }

  row(id: string): ThreadRow {
    const r = this.s.byId.get(id) as ThreadRow | undefined;
    if (!r) throw new SwarmError("NOT_FOUND", `no thread ${id}; \`thread.list\` shows the threads`, { details: { id } });
    return r;
  }

  /** The row and whether `agent` takes part in the thread. */
  rowFor(id: string, agent: string): ThreadRow & { member: boolean } {
    const r = this.s.byIdFor.get(agent, id) as (ThreadRow & { member: number }) | undefined;
    if (!r) throw new SwarmError("NOT_FOUND", `no thread ${id}; \`thread.list\` shows the threads`, { details: { id } });
    const { member, ...row } = r;
    return { ...row, member: member === 1 };
  }

  /** The thread as the API shows it; `reader` decides the top-level unread count. */
  get(id: string, reader: string): Thread {
    return this.toThread(this.row(id), reader);
  }

  /** The thread as the API shows it, from a row read (or returned by bump) in this transaction. */
  view(row: ThreadRow, reader: string): Thread {
    return this.toThread(row, reader);
  }

  list(f: ListFilter, reader: string): Thread[] {
    const rows = this.s.list.all({
      workspace: f.workspace ?? null,
      status: f.status ?? null,
      ticket_id: f.ticket_id ?? null,
      escalated: f.escalated === undefined ? null : f.escalated ? 1 : 0,
      participant: f.participant ?? null,
      limit: f.limit,
    }) as ThreadRow[];
    return rows.map((r) => this.toThread(r, reader));
  }

  isParticipant(id: string, agent: string): boolean {
    return this.s.isParticipant.get(id, agent) !== undefined;
  }

  join(id: string, agent: string, role: string): void {
    this.s.addParticipant.run(id, agent, role, new Date().toISOString());
  }

  cursor(id: string, reader: string): number {
    return (this.s.cursor.get(id, reader) as { last_read_seq: number } | undefined)?.last_read_seq ?? 0;
  }

  setCursor(id: string, reader: string, seq: number): void {
    this.s.setCursor.run(id, reader, seq);
  }

  /** Messages after `cursor` (default: the reader's own) written by others. */
  unread(id: string, reader: string, cursor?: number): number {
    if (cursor === undefined) return (this.s.unreadAtCursor.get({ id, reader }) as { n: number } | undefined)?.n ?? 0;
    return (this.s.unread.get({ id, cursor, reader }) as { n: number }).n;
  }

  /** Takes the thread's next seq (its `last_seq` now) in the caller's transaction, and moves its no-progress count. */
  bump(id: string, turns: TurnStep): ThreadRow {
    const r = this.s.bump.get({ now: new Date().toISOString(), turns, id }) as ThreadRow | undefined;
    if (!r) throw new SwarmError("NOT_FOUND", `no thread ${id}; \`thread.list\` shows the threads`, { details: { id } });
    return r;
  }

  /** After `reader` posted `seq`: its cursor follows when it was at seq - 1 (caught up). */
  advanceOwnCursor(id: string, reader: string, seq: number): void {
    if (seq === 1) this.setCursor(id, reader, 1);
    else this.s.ownCursor.run({ id, reader, seq });
  }

  setStatus(id: string, from: ThreadStatus, to: ThreadStatus, reason: string | null, by: string): void {
    this.s.setStatus.run(to, reason, new Date().toISOString(), id);
    this.events.append("thread.status_changed", id, { id, from, to, reason, by });
  }

  setTurns(id: string, n: number): void {
    this.s.setTurns.run(n, id);
  }

  setEscalation(id: string, e: Escalation | null): void {
    this.s.setEscalation.run(e ? JSON.stringify(e) : null, new Date().toISOString(), id);
  }

  setSummary(id: string, text: string): void {
    this.s.setSummary.run(text, new Date().toISOString(), id);
  }

  private toThread(r: ThreadRow, reader: string): Thread {
    const participants = this.s.participants.all({ id: r.id, last_seq: r.last_seq }) as Participant[];
    const unread = participants.find((p) => p.agent_id === reader)?.unread ?? this.unread(r.id, reader);
    const { escalation, ...rest } = r;
    return { ...rest, participants, unread, escalation: escalation ? (JSON.parse(escalation) as Escalation) : null };
  }
}
