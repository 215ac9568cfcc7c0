import type { EnvRecord } from "../../protocol/methods/env.js";
import { SwarmError } from "../../protocol/errors.js";
import type { CheckpointInfo, EnvHandle } from "../../providers/types.js";
import type { Db } from "../store/db.js";

interface Row {
  name: string;
  project: string;
  provider: string;
  state: string;
  state_reason: string | null;
  repo: string;
  branch: string;
  host_path: string | null;
  cpus: number;
  memory_mib: number;
  net: string;
  capabilities: string;
  handle: string;
  created_at: string;
  updated_at: string;
  last_activity_at: string;
}

function toRecord(r: Row): EnvRecord {
  return {
    name: r.name,
    project: r.project,
    provider: r.provider,
    state: r.state as EnvRecord["state"],
    state_reason: r.state_reason,
    repo: r.repo,
    branch: r.branch,
    host_path: r.host_path,
    cpus: r.cpus,
    memory_mib: r.memory_mib,
    capabilities: JSON.parse(r.capabilities),
    handle: JSON.parse(r.handle),
    created_at: r.created_at,
    updated_at: r.updated_at,
    last_activity_at: r.last_activity_at,
  };
}

export function handleOf(env: EnvRecord): EnvHandle {
  return env.handle as unknown as EnvHandle;
}

/**
 * A row whose create never returned a handle: `creating` when the daemon died in it, or
 * `error` when cleaning that up failed. Only the provider's reclaim can find what it made.
 */
export function isInterruptedCreate(env: EnvRecord): boolean {
  return (env.state === "creating" || env.state === "error") && Object.keys(env.handle).length === 0;
}

/** SQLite access for the environment registry; every write is one statement or transaction. */
export class EnvRegistry {
  constructor(private readonly db: Db) {}

  get(name: string): EnvRecord | null {
    const r = this.db.prepare("SELECT * FROM envs WHERE name = ?").get(name) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  require(name: string): EnvRecord {
    const env = this.get(name);
    if (!env) {
      throw new SwarmError("NOT_FOUND", `no environment named ${JSON.stringify(name)}`, { hint: "see `swarmctl env list`" });
    }
    return env;
  }

  list(project?: string): EnvRecord[] {
    const rows = (
      project === undefined
        ? this.db.prepare("SELECT * FROM envs ORDER BY created_at, name").all()
        : this.db.prepare("SELECT * FROM envs WHERE project = ? ORDER BY created_at, name").all(project)
    ) as Row[];
    return rows.map(toRecord);
  }

  /** Inserts a new row; a taken name is a CONFLICT. */
  insert(env: EnvRecord): void {
    try {
      this.db
        .prepare(
          `INSERT INTO envs (name, project, provider, state, state_reason, repo, branch, host_path, cpus, memory_mib, net,
             capabilities, handle, created_at, updated_at, last_activity_at)
           VALUES (@name, @project, @provider, @state, @state_reason, @repo, @branch, @host_path, @cpus, @memory_mib, @net,
             @capabilities, @handle, @created_at, @updated_at, @last_activity_at)`,
        )
        .run({
          ...env,
          net: env.capabilities.net,
          capabilities: JSON.stringify(env.capabilities),
          handle: JSON.stringify(env.handle),
        });
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new SwarmError("CONFLICT", `an environment named ${JSON.stringify(env.name)} already exists`, {
          hint: `pick another name, or delete it first with \`swarmctl env delete ${env.name}\``,
        });
      }
      throw err;
    }
  }

  update(name: string, patch: Partial<Pick<EnvRecord, "state" | "state_reason" | "handle" | "host_path" | "last_activity_at">>): EnvRecord {
    const cur = this.require(name);
    const next = { ...cur, ...patch, updated_at: new Date().toISOString() };
    if (patch.last_activity_at && Object.keys(patch).length === 1) next.updated_at = cur.updated_at;
    this.db
      .prepare(`UPDATE envs SET state = ?, state_reason = ?, handle = ?, host_path = ?, updated_at = ?, last_activity_at = ? WHERE name = ?`)
      .run(next.state, next.state_reason, JSON.stringify(next.handle), next.host_path, next.updated_at, next.last_activity_at, name);
    return next;
  }

  /** Removes the row and keeps a copy so `env restore-deleted` can find the handle. */
  remove(name: string): void {
    const env = this.require(name);
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO env_deleted (name, record, deleted_at) VALUES (?, ?, ?)").run(name, JSON.stringify(env), new Date().toISOString());
      this.db.prepare("DELETE FROM envs WHERE name = ?").run(name);
    })();
  }

  /** Drops a row that never became a real environment (a failed create). */
  discard(name: string): void {
    this.db.prepare("DELETE FROM envs WHERE name = ?").run(name);
  }

  lastDeleted(name: string): { id: number; env: EnvRecord } | null {
    const r = this.db.prepare("SELECT id, record FROM env_deleted WHERE name = ? ORDER BY id DESC LIMIT 1").get(name) as
      { id: number; record: string } | undefined;
    return r ? { id: r.id, env: JSON.parse(r.record) as EnvRecord } : null;
  }

  forgetDeleted(id: number): void {
    this.db.prepare("DELETE FROM env_deleted WHERE id = ?").run(id);
  }

  addCheckpoint(env: string, c: CheckpointInfo): void {
    this.db
      .prepare("INSERT OR REPLACE INTO env_checkpoints (env, name, provider, base, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(env, c.name, c.provider, c.base, c.bytes ?? null, c.createdAt);
  }

  checkpoints(env: string): CheckpointInfo[] {
    const rows = this.db.prepare("SELECT * FROM env_checkpoints WHERE env = ? ORDER BY created_at, name").all(env) as {
      name: string;
      provider: string;
      base: string;
      bytes: number | null;
      created_at: string;
    }[];
    return rows.map((r) => ({ name: r.name, provider: r.provider, base: r.base, createdAt: r.created_at, ...(r.bytes !== null ? { bytes: r.bytes } : {}) }));
  }
}
