import type { Db } from "../store/db.js";
import { prepareAll, type Statements } from "../store/statements.js";
import type { WakeSessions, WakeThreads } from "./ports.js";

const SQL = {
  exists: "SELECT 1 FROM threads WHERE id = ?",
  thread: "SELECT title, summary FROM threads WHERE id = ?",
  participants: "SELECT agent_id FROM thread_participants WHERE thread_id = ? ORDER BY joined_at, agent_id",
  cursor: "SELECT last_read_seq FROM thread_cursors WHERE thread_id = ? AND reader = ?",
  unread: "SELECT COUNT(*) AS n FROM thread_messages WHERE thread_id = ? AND seq > ? AND author != ?",
  from: "SELECT DISTINCT author FROM thread_messages WHERE thread_id = ? AND seq > ? AND author != ? ORDER BY author",
  unreadThreads: `SELECT t.id FROM threads t JOIN thread_participants p ON p.thread_id = t.id AND p.agent_id = @reader
    WHERE EXISTS (SELECT 1 FROM thread_messages m WHERE m.thread_id = t.id AND m.author != @reader
      AND m.seq > COALESCE((SELECT last_read_seq FROM thread_cursors c WHERE c.thread_id = t.id AND c.reader = @reader), 0))
    ORDER BY t.updated_at DESC, t.n DESC`,
  session: "SELECT session_id, last_heartbeat_at FROM agent_sessions WHERE session_id = ? ORDER BY last_heartbeat_at DESC LIMIT 1",
  newestSession: "SELECT session_id, last_heartbeat_at FROM agent_sessions WHERE agent_id = ? ORDER BY last_heartbeat_at DESC LIMIT 1",
} as const;

/**
 * Read-only views of the thread domain's tables (threads, participants, cursors, messages,
 * sessions) in the words the wake needs. It never writes them: cursors move only through
 * thread.ack, sessions only through session.heartbeat.
 */
export class ThreadView implements WakeThreads, WakeSessions {
  private readonly s: Statements<typeof SQL>;

  constructor(db: Db) {
    this.s = prepareAll(db, SQL);
  }

  exists(thread: string): boolean {
    return this.s.exists.get(thread) !== undefined;
  }

  participants(thread: string): string[] {
    return (this.s.participants.all(thread) as { agent_id: string }[]).map((r) => r.agent_id);
  }

  cursor(thread: string, reader: string): number {
    return (this.s.cursor.get(thread, reader) as { last_read_seq: number } | undefined)?.last_read_seq ?? 0;
  }

  unread(thread: string, reader: string): number {
    return (this.s.unread.get(thread, this.cursor(thread, reader), reader) as { n: number }).n;
  }

  unreadFrom(thread: string, reader: string): string[] {
    return (this.s.from.all(thread, this.cursor(thread, reader), reader) as { author: string }[]).map((r) => r.author);
  }

  title(thread: string): string {
    return (this.s.thread.get(thread) as { title: string } | undefined)?.title ?? thread;
  }

  summary(thread: string): string | null {
    return (this.s.thread.get(thread) as { summary: string | null } | undefined)?.summary ?? null;
  }

  unreadThreads(reader: string): string[] {
    return (this.s.unreadThreads.all({ reader }) as { id: string }[]).map((r) => r.id);
  }

  resumeSession(agent: string, runtimeSession: string | null): { session_id: string; last_heartbeat_at: string | null } | null {
    if (runtimeSession) {
      const r = this.s.session.get(runtimeSession) as { session_id: string; last_heartbeat_at: string } | undefined;
      return r ?? { session_id: runtimeSession, last_heartbeat_at: null };
    }
    return (this.s.newestSession.get(agent) as { session_id: string; last_heartbeat_at: string } | undefined) ?? null;
  }
}
