import type { Statement } from "better-sqlite3";
import type { AgentSession } from "../../protocol/thread/model.js";
import type { EventLog } from "../events/event-log.js";
import type { Db } from "../store/db.js";

type Row = Omit<AgentSession, "resumable"> & { resumable: number };

export interface Beat {
  agent_id: string;
  session_id: string;
  workspace: string;
  runtime?: string;
  runtime_kind?: string;
  resumable?: boolean;
}

/** Agent sessions and their heartbeats (R-M3, read by wake: a session silent for 12 h is not resumed). */
export class SessionStore {
  private readonly s: Record<"get" | "insert" | "beat", Statement>;

  constructor(
    db: Db,
    private readonly events: EventLog,
  ) {
    this.s = {
      get: db.prepare("SELECT * FROM agent_sessions WHERE agent_id = ? AND session_id = ?"),
      insert: db.prepare(`INSERT INTO agent_sessions (agent_id, session_id, workspace, runtime, runtime_kind, resumable, created_at, last_heartbeat_at)
        VALUES (@agent_id, @session_id, @workspace, @runtime, @runtime_kind, @resumable, @now, @now)`),
      beat: db.prepare(`UPDATE agent_sessions SET last_heartbeat_at = @now, runtime = COALESCE(@runtime, runtime),
        runtime_kind = COALESCE(@runtime_kind, runtime_kind), resumable = COALESCE(@resumable, resumable) WHERE agent_id = @agent_id AND session_id = @session_id`),
    };
  }

  heartbeat(b: Beat): AgentSession {
    const now = new Date().toISOString();
    const row = {
      agent_id: b.agent_id,
      session_id: b.session_id,
      workspace: b.workspace,
      runtime: b.runtime ?? null,
      runtime_kind: b.runtime_kind ?? null,
      resumable: b.resumable === undefined ? null : b.resumable ? 1 : 0,
      now,
    };
    if (this.s.get.get(b.agent_id, b.session_id)) {
      this.s.beat.run(row);
    } else {
      this.s.insert.run({ ...row, resumable: row.resumable ?? 0 });
      const { now: _n, ...data } = row;
      this.events.append("session.started", b.agent_id, { ...data, resumable: row.resumable === 1 });
    }
    const r = this.s.get.get(b.agent_id, b.session_id) as Row;
    return { ...r, resumable: r.resumable === 1 };
  }
}
