import type { Statement } from "better-sqlite3";
import { SwarmError } from "../../protocol/errors.js";
import type { Message, MessageKind } from "../../protocol/thread/model.js";
import { SCHEMA_VERSION } from "../../protocol/version.js";
import type { EventLog } from "../events/event-log.js";
import type { Db } from "../store/db.js";
import { findingHash } from "./loops.js";
import type { ThreadRow, ThreadStore, TurnStep } from "./threads.js";

interface MessageRow extends Omit<Message, "progress"> {
  progress: number;
  finding_hash: string | null;
}

export interface NewMessage {
  author: string;
  kind: MessageKind;
  body: string;
  in_reply_to: number | null;
  progress: boolean;
  idempotency_key: string | null;
}

const toMessage = ({ finding_hash: _f, progress, ...r }: MessageRow): Message => ({ ...r, progress: progress === 1 });

/** Messages of threads: appended with the thread's next seq, read in seq order. */
export class MessageStore {
  private readonly s: Record<"insert" | "byKey" | "after", Statement>;

  constructor(
    db: Db,
    private readonly threads: ThreadStore,
    private readonly events: EventLog,
  ) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO thread_messages (thread_id, seq, author, kind, body, in_reply_to, progress, finding_hash, idempotency_key, schema_version, created_at)
        VALUES (@thread_id, @seq, @author, @kind, @body, @in_reply_to, @progress, @finding_hash, @idempotency_key, @schema_version, @created_at)`),
      byKey: db.prepare("SELECT * FROM thread_messages WHERE thread_id = ? AND author = ? AND idempotency_key = ?"),
      after: db.prepare("SELECT * FROM thread_messages WHERE thread_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
    };
  }

  /** The message an idempotency key already produced; CONFLICT when the retry is not the same request. */
  prior(id: string, m: NewMessage): Message | null {
    if (!m.idempotency_key) return null;
    const r = this.s.byKey.get(id, m.author, m.idempotency_key) as MessageRow | undefined;
    if (!r) return null;
    if (r.body !== m.body || r.kind !== m.kind) {
      throw new SwarmError(
        "CONFLICT",
        `idempotency key ${JSON.stringify(m.idempotency_key)} was already used by ${m.author} in ${id} for another message (seq ${r.seq})`,
        {
          details: { id, seq: r.seq, idempotency_key: m.idempotency_key },
          hint: "use a new key for a new message; a retry must send the same body and kind",
        },
      );
    }
    return toMessage(r);
  }

  /**
   * Appends; the caller's transaction makes seq and the insert one step. `turns`: what the
   * post does to the no-progress count (loops.ts turnStep), written with the seq. Returns
   * the message and the thread's row as it is after the post.
   */
  append(id: string, m: NewMessage, turns: TurnStep = "keep"): { message: Message & { finding_hash: string | null }; thread: ThreadRow } {
    const thread = this.threads.bump(id, turns);
    const seq = thread.last_seq;
    if (m.in_reply_to !== null && m.in_reply_to >= seq) {
      throw new SwarmError("INVALID_ARGUMENT", `in_reply_to ${m.in_reply_to} is not an earlier message of ${id} (newest is ${seq - 1})`);
    }
    const finding_hash = m.kind === "finding" ? findingHash(m.body) : null;
    const row = { ...m, thread_id: id, seq, progress: m.progress ? 1 : 0, finding_hash, schema_version: SCHEMA_VERSION, created_at: new Date().toISOString() };
    this.s.insert.run(row);
    // The author has read what it wrote if it was caught up; otherwise its unread stays as it was.
    this.threads.advanceOwnCursor(id, m.author, seq);
    this.events.append("thread.message_posted", id, { id, seq, author: m.author, kind: m.kind, in_reply_to: m.in_reply_to });
    return { message: { ...toMessage(row as MessageRow), finding_hash }, thread };
  }

  read(id: string, since: number, limit: number): Message[] {
    return (this.s.after.all(id, since, limit) as MessageRow[]).map(toMessage);
  }

  /** Moves `reader`'s cursor forward to `seq` (default: the newest); never backwards. */
  ack(id: string, reader: string, seq: number | undefined): { last_read_seq: number; unread: number; moved: boolean } {
    const last = this.threads.row(id).last_seq;
    const target = seq ?? last;
    if (target > last)
      throw new SwarmError("INVALID_ARGUMENT", `seq ${target} is past the newest message of ${id} (${last})`, { details: { id, seq: target, last_seq: last } });
    const cur = this.threads.cursor(id, reader);
    const moved = target > cur;
    if (moved) this.threads.setCursor(id, reader, target);
    const last_read_seq = Math.max(cur, target);
    const unread = this.threads.unread(id, reader, last_read_seq);
    if (moved) this.events.append("thread.read_advanced", id, { id, reader, last_read_seq, unread });
    return { last_read_seq, unread, moved };
  }
}
