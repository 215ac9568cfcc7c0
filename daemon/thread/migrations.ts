import type { Migration } from "../store/db.js";

/**
 * Threads (R-M1, R-M2, R-M5). `threads.last_seq` is the seq counter: a post increments it
 * in the same transaction that inserts the message, so seq has no gaps and a rolled-back
 * post leaves none. Rows are never deleted (retention is indefinite, R-M8).
 */
export const threadMigrations: Migration[] = [
  {
    version: 1,
    name: "threads, participants, messages, cursors, findings, agent sessions",
    sql: `
      CREATE TABLE threads (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        workspace TEXT NOT NULL,
        type TEXT NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        ticket_id TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        no_progress_turns INTEGER NOT NULL DEFAULT 0,
        escalation TEXT,
        summary TEXT,
        created_by TEXT NOT NULL,
        idempotency_key TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (created_by, idempotency_key)
      );
      CREATE INDEX threads_workspace ON threads(workspace, updated_at);
      CREATE INDEX threads_ticket ON threads(ticket_id);
      CREATE TABLE thread_participants (
        thread_id TEXT NOT NULL REFERENCES threads(id),
        agent_id TEXT NOT NULL,
        role TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        PRIMARY KEY (thread_id, agent_id)
      );
      CREATE INDEX thread_participants_agent ON thread_participants(agent_id);
      CREATE TABLE thread_cursors (
        thread_id TEXT NOT NULL REFERENCES threads(id),
        reader TEXT NOT NULL,
        last_read_seq INTEGER NOT NULL,
        PRIMARY KEY (thread_id, reader)
      );
      CREATE TABLE thread_messages (
        thread_id TEXT NOT NULL REFERENCES threads(id),
        seq INTEGER NOT NULL,
        author TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        in_reply_to INTEGER,
        progress INTEGER NOT NULL DEFAULT 0,
        finding_hash TEXT,
        idempotency_key TEXT,
        schema_version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (thread_id, seq),
        UNIQUE (thread_id, author, idempotency_key)
      ) WITHOUT ROWID;
      CREATE TABLE thread_findings (
        thread_id TEXT NOT NULL REFERENCES threads(id),
        hash TEXT NOT NULL,
        cycles INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        last_author TEXT NOT NULL,
        excerpt TEXT NOT NULL,
        PRIMARY KEY (thread_id, hash)
      );
      CREATE TABLE agent_sessions (
        agent_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        workspace TEXT NOT NULL,
        runtime TEXT,
        runtime_kind TEXT,
        resumable INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_heartbeat_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, session_id)
      );
    `,
  },
  {
    version: 2,
    name: "messages by author, for unread counts",
    // unread = messages after the cursor minus the reader's own: counting only the reader's
    // own (few) keeps a post from scanning everything a participant has not read yet
    sql: "CREATE INDEX thread_messages_author ON thread_messages(thread_id, author, seq);",
  },
  {
    version: 3,
    name: "replays of keyed calls",
    // thread.status and thread.trigger with an idempotency_key: the first result, returned to a retry
    sql: `CREATE TABLE thread_replays (
      caller TEXT NOT NULL,
      method TEXT NOT NULL,
      key TEXT NOT NULL,
      result TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (caller, method, key)
    ) WITHOUT ROWID;`,
  },
];
