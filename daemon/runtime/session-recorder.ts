import type { DaemonContext } from "../context.js";
import { ADAPTERS } from "./adapters/index.js";
import type { AgentKind, ScreenView } from "./adapters/types.js";
import type { ProcessTrees } from "./process-tree.js";
import type { RuntimeRegistry, RuntimeRow } from "./registry.js";
import { codexHomeOf, environOf, findCodexSession } from "./sessions.js";

/** How often a codex runtime without an id has its session files looked at. */
const LOOK_EVERY_MS = 1000;

/**
 * Records the session id of runtimes whose agent picks its own (Codex): from the session
 * file its processes write while they run, and from what it prints at exit. An id, once
 * recorded, is never replaced: it is the session this runtime generation ran.
 */
export class SessionRecorder {
  private readonly lastLook = new Map<string, number>();
  private readonly looking = new Set<string>();
  /** each runtime's CODEX_HOME, read from its process while it runs (its files outlive it) */
  private readonly homes = new Map<string, string>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly registry: RuntimeRegistry,
    private readonly trees: ProcessTrees,
  ) {}

  record(row: RuntimeRow, sessionId: string, how: string): void {
    if (row.session_id) return;
    row.session_id = sessionId;
    this.registry.update(row.id, { session_id: sessionId });
    this.ctx.events.append("runtime.session", row.name, { id: row.id, session_id: sessionId, how });
  }

  /** The id the agent printed (e.g. "codex resume <id>" at exit), if its adapter can read one. */
  fromScreen(row: RuntimeRow, view: ScreenView): void {
    if (row.session_id || row.management !== "managed") return;
    const id = ADAPTERS[row.agent as AgentKind]?.findSessionId?.(view);
    if (id) this.record(row, id, "screen");
  }

  /** Looks for the session file of each codex runtime that has no id yet (throttled, one look per runtime at a time). */
  poll(rows: RuntimeRow[], now = Date.now()): void {
    const taken = new Set(rows.map((r) => r.session_id).filter((s): s is string => !!s));
    for (const row of rows) {
      if (row.agent !== "codex" || row.session_id || row.management !== "managed" || this.looking.has(row.id)) continue;
      // an ended runtime gets a few more looks (codex may write its file late), then none
      if ((row.state === "exited" || row.state === "lost") && now - Date.parse(row.exited_at ?? row.updated_at) > 5000) continue;
      if (now - (this.lastLook.get(row.id) ?? 0) < LOOK_EVERY_MS) continue;
      this.lastLook.set(row.id, now);
      this.looking.add(row.id);
      void this.look(row, taken).finally(() => this.looking.delete(row.id));
    }
  }

  private async look(row: RuntimeRow, taken: ReadonlySet<string>): Promise<void> {
    try {
      const pids = row.pid
        ? [row.pid, ...(await this.trees.members({ id: row.id, pid: row.pid, createdAt: row.created_at })).filter((p) => p !== row.pid)]
        : [];
      if (!this.homes.has(row.id) && row.pid) {
        const env = await environOf(row.pid);
        if (Object.keys(env).length) this.homes.set(row.id, codexHomeOf(env));
      }
      const home = this.homes.get(row.id) ?? codexHomeOf(process.env as Record<string, string>);
      const id = await findCodexSession({ pids, home, cwd: row.cwd, sinceMs: Date.parse(row.created_at), taken });
      if (id) this.record(row, id, "session file");
    } catch (err) {
      this.ctx.logger.debug("codex session lookup failed", { name: row.name, err: String(err) });
    }
  }

  forget(id: string): void {
    this.lastLook.delete(id);
    this.homes.delete(id);
  }
}
