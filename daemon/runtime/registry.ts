import { randomBytes } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { CustomDetector, Runtime } from "../../protocol/methods/runtime.js";
import type { Db } from "../store/db.js";

/** A registry row: the public record plus where its holder listens. */
export interface RuntimeRow extends Runtime {
  holder_socket: string | null;
  /** state rules for agent `custom`, when given at start */
  detector: CustomDetector | null;
}

type DbRow = Omit<RuntimeRow, "command" | "detector" | "var_names"> & { command: string; detector: string | null; var_names: string | null };

const COLUMNS = [
  "id",
  "name",
  "environment",
  "cwd",
  "agent",
  "command",
  "session_id",
  "pid",
  "holder_pid",
  "holder_socket",
  "pty_backend",
  "management",
  "state",
  "why",
  "exit_code",
  "exit_signal",
  "cols",
  "rows",
  "bytes_out",
  "heartbeat_at",
  "last_output_at",
  "last_human_input_at",
  "created_at",
  "updated_at",
  "exited_at",
  "detector",
  "target",
  "var_names",
  "generation",
  "agent_id",
] as const;

function fromDb(r: DbRow): RuntimeRow {
  return {
    ...r,
    command: JSON.parse(r.command) as string[],
    detector: r.detector ? (JSON.parse(r.detector) as CustomDetector) : null,
    var_names: r.var_names ? (JSON.parse(r.var_names) as string[]) : [],
  };
}

/** The runtime registry in SQLite (R-R2). Every write is its own transaction: it survives SIGKILL. */
export class RuntimeRegistry {
  private readonly byName: Statement;
  private readonly all: Statement;
  private readonly insertRow: Statement;
  private readonly deleteRow: Statement;

  constructor(private readonly db: Db) {
    this.byName = db.prepare("SELECT * FROM runtimes WHERE name = ?");
    this.all = db.prepare("SELECT * FROM runtimes ORDER BY created_at, name");
    this.insertRow = db.prepare(`INSERT INTO runtimes (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => "@" + c).join(", ")})`);
    this.deleteRow = db.prepare("DELETE FROM runtimes WHERE id = ?");
  }

  get(name: string): RuntimeRow | null {
    const r = this.byName.get(name) as DbRow | undefined;
    return r ? fromDb(r) : null;
  }

  list(): RuntimeRow[] {
    return (this.all.all() as DbRow[]).map(fromDb);
  }

  insert(row: RuntimeRow): void {
    this.insertRow.run({
      ...row,
      command: JSON.stringify(row.command),
      detector: row.detector ? JSON.stringify(row.detector) : null,
      var_names: JSON.stringify(row.var_names ?? []),
      generation: row.generation ?? 1,
      agent_id: row.agent_id ?? null,
    });
  }

  /** Updates the given columns and `updated_at`. */
  update(id: string, patch: Partial<Omit<RuntimeRow, "id" | "command" | "detector" | "var_names">>): void {
    const keys = Object.keys(patch).filter((k) => (COLUMNS as readonly string[]).includes(k));
    const sets = [...keys.map((k) => `${k} = @${k}`), "updated_at = @updated_at"];
    this.db.prepare(`UPDATE runtimes SET ${sets.join(", ")} WHERE id = @id`).run({ ...patch, id, updated_at: new Date().toISOString() });
  }

  remove(id: string): void {
    this.deleteRow.run(id);
  }
}

/** The fields a backend decides when it creates a runtime; everything else starts empty. */
export type NewRow = Pick<RuntimeRow, "name" | "agent" | "command" | "pty_backend" | "management" | "state" | "why"> & Partial<RuntimeRow>;

/** A new runtime id (the manager picks it before start, so the program can be marked with it). */
export function newRowId(): string {
  return "rt-" + randomBytes(6).toString("hex");
}

/** A fresh row: a new id (unless given), now as every timestamp, no exit, no output yet. */
export function newRow(f: NewRow): RuntimeRow {
  const now = new Date().toISOString();
  return {
    id: newRowId(),
    environment: null,
    cwd: "",
    session_id: null,
    pid: null,
    holder_pid: null,
    holder_socket: null,
    target: null,
    exit_code: null,
    exit_signal: null,
    cols: 0,
    rows: 0,
    bytes_out: 0,
    heartbeat_at: now,
    last_output_at: null,
    last_human_input_at: null,
    created_at: now,
    updated_at: now,
    exited_at: null,
    detector: null,
    var_names: [],
    generation: 1,
    agent_id: null,
    ...f,
  };
}
