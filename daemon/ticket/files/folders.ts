import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { SwarmError } from "../../../protocol/errors.js";
import type { DaemonContext } from "../../context.js";
import type { TicketStore } from "../store.js";
import { checkDir, lintDir, ticketFilesIn, type LintReport } from "./lint.js";
import { submitPlanDir, type PlanReport } from "./plan.js";
import { FileSync, type SyncReport } from "./sync.js";

const BATCH_MS = 30;

/** The daemon's working directory means nothing to a client, so RPC paths are absolute. */
function requireAbsolute(dir: string): void {
  if (!path.isAbsolute(dir)) {
    throw new SwarmError("INVALID_ARGUMENT", `folder ${JSON.stringify(dir)} must be an absolute path`, { hint: "swarmctl resolves relative paths for you" });
  }
}

/**
 * The watched tickets/ folders: from config (`tickets.watch`, followed on reload) and from
 * ticket.watch (kept in the database across restarts). Watcher events are batched and
 * each batch re-reads the files it names, so coalesced or reordered events still end in
 * the files' current state.
 */
export class TicketFolders {
  private readonly watchers = new Map<string, { watcher: FSWatcher; from: "config" | "rpc" }>();
  private readonly sync: FileSync;
  private queued = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly store: TicketStore,
  ) {
    this.sync = new FileSync(store);
  }

  async start(): Promise<void> {
    for (const dir of this.configDirs()) await this.tryWatch(dir, "config");
    const rows = this.ctx.db.prepare("SELECT dir FROM ticket_watch_dirs ORDER BY dir").all() as { dir: string }[];
    for (const r of rows) if (!this.watchers.has(r.dir)) await this.tryWatch(r.dir, "rpc");
    this.unsubscribe = this.ctx.events.subscribe((ev) => {
      // Deferred: appending events from inside event delivery would reorder the stream.
      if (ev.type === "config.reloaded") setImmediate(() => this.followConfig());
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.watchers.values()].map((w) => w.watcher.close()));
    this.watchers.clear();
  }

  list(): { dir: string; from: "config" | "rpc" }[] {
    return [...this.watchers.entries()].map(([dir, w]) => ({ dir, from: w.from })).sort((a, b) => a.dir.localeCompare(b.dir));
  }

  lint(dir: string): LintReport {
    requireAbsolute(dir);
    return lintDir(dir, (id) => this.store.find(id) !== null, this.ctx.cfg().tickets.max_body_bytes);
  }

  /** A folder of ticket files (a plan) submitted as one workflow, or per-file problems and nothing submitted. */
  submitPlan(dir: string, name: string, submit: Parameters<typeof submitPlanDir>[1]["submit"]): PlanReport {
    requireAbsolute(dir);
    return submitPlanDir(dir, { ticketExists: (id) => this.store.find(id) !== null, maxBodyBytes: this.ctx.cfg().tickets.max_body_bytes, submit }, name);
  }

  /** Registers a folder; resolves once the watcher is live and the folder synced. */
  async watchFromRpc(dir: string): Promise<SyncReport & { dir: string }> {
    requireAbsolute(dir);
    const abs = checkDir(dir);
    this.ctx.db.prepare("INSERT OR IGNORE INTO ticket_watch_dirs (dir, added_at) VALUES (?, ?)").run(abs, new Date().toISOString());
    if (!this.watchers.has(abs)) await this.startWatcher(abs, "rpc");
    return { dir: abs, ...this.syncNow(abs) };
  }

  async unwatch(dir: string): Promise<{ dir: string; removed: boolean }> {
    requireAbsolute(dir);
    const abs = path.resolve(dir);
    const w = this.watchers.get(abs);
    if (w?.from === "config") {
      throw new SwarmError("CONFLICT", `${abs} is watched because of tickets.watch in the config`, { hint: "remove it from tickets.watch instead" });
    }
    const removed = this.ctx.db.prepare("DELETE FROM ticket_watch_dirs WHERE dir = ?").run(abs).changes > 0;
    if (w) {
      this.watchers.delete(abs);
      await w.watcher.close();
    }
    return { dir: abs, removed: removed || w !== undefined };
  }

  /** One full pass over a folder: every file, plus files that vanished while unwatched. */
  private syncNow(abs: string): SyncReport {
    return this.sync.syncPaths([...ticketFilesIn(abs), ...this.sync.vanished(abs)]);
  }

  private configDirs(): string[] {
    // Relative entries are relative to the config file, not to wherever the daemon started.
    return this.ctx.cfg().tickets.watch.map((d) => path.resolve(path.dirname(this.ctx.config.file), d));
  }

  private followConfig(): void {
    const want = new Set(this.configDirs());
    for (const [dir, w] of this.watchers) {
      if (w.from === "config" && !want.has(dir)) {
        this.watchers.delete(dir);
        void w.watcher.close();
      }
    }
    for (const dir of want) if (!this.watchers.has(dir)) void this.tryWatch(dir, "config");
  }

  private async tryWatch(dir: string, from: "config" | "rpc"): Promise<void> {
    try {
      const abs = checkDir(dir);
      await this.startWatcher(abs, from);
      this.syncNow(abs);
    } catch (err) {
      this.ctx.logger.warn("cannot watch ticket folder", { dir, error: String(err) });
      this.ctx.events.append("ticket.watch_error", dir, { dir, message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Starts watching; resolves when chokidar's initial scan is done (the caller then syncs). */
  private startWatcher(abs: string, from: "config" | "rpc"): Promise<void> {
    const watcher = watch(abs, {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: 40, pollInterval: 10 },
      // Dot-entries inside the folder (editor swap files, .git) are skipped, as lint skips them.
      ignored: (p, st) => (p !== abs && path.basename(p).startsWith(".")) || (st?.isFile() === true && !p.toLowerCase().endsWith(".md")),
    });
    const enqueue = (p: string) => {
      if (p.toLowerCase().endsWith(".md")) this.enqueue(p);
    };
    watcher.on("add", enqueue).on("change", enqueue).on("unlink", enqueue);
    watcher.on("error", (err) => this.ctx.logger.warn("ticket folder watcher error", { dir: abs, error: String(err) }));
    this.watchers.set(abs, { watcher, from });
    return new Promise((resolve) => watcher.once("ready", () => resolve()));
  }

  private enqueue(file: string): void {
    this.queued.add(file);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.timer = null;
    const batch = this.queued;
    this.queued = new Set();
    try {
      this.sync.syncPaths(batch);
    } catch (err) {
      this.ctx.logger.error("ticket file sync failed", { error: String(err), files: batch.size });
    }
  }
}
