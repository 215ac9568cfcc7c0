import os from "node:os";
import { pidAlive } from "../../protocol/os.js";
import type { BackendHooks } from "./backend.js";
import type { RuntimeRow } from "./registry.js";
import type { DetectFn } from "./state-detector.js";
import type { ManagedTmuxSession, TmuxPaneObserver } from "./tmux/index.js";
import { maskRows } from "./tmux-redact.js";

/** One tmux runtime the daemon watches: its pane, its session when swarm started it, what polling learnt. */
export interface TmuxRuntime {
  row: RuntimeRow;
  pane: TmuxPaneObserver;
  managed: ManagedTmuxSession | null;
  exited: boolean;
  lastText: string | null;
  lastChangeMs: number;
  lastBeatMs: number;
  /** the agent's state detector, looked up once (custom rules are compiled on lookup) */
  detect: DetectFn | null;
  /** tmux saw the pane die but has not reaped the child yet: its status follows shortly */
  deadSince: number | null;
  /** the pane looks alive but its process is gone (checked twice before calling it lost) */
  goneSince: number | null;
  sentSignal: string | null;
  /** values masked in every read of the pane (tmux-redact.ts); empty for an observed pane or redact: false */
  redact: string[];
  polling: Promise<void> | null;
  exitWaiters: Set<() => void>;
}

export function tmuxRuntime(row: RuntimeRow, pane: TmuxPaneObserver, managed: ManagedTmuxSession | null, redact: string[] = []): TmuxRuntime {
  return {
    redact,
    row,
    pane,
    managed,
    exited: false,
    lastText: null,
    lastChangeMs: Date.now(),
    lastBeatMs: 0,
    detect: null,
    deadSince: null,
    goneSince: null,
    sentSignal: null,
    polling: null,
    exitWaiters: new Set(),
  };
}

// How long to wait for tmux to report a dead pane's status, and for a vanished process to stay vanished.
const STATUS_GRACE_MS = 1500;
const GONE_GRACE_MS = 1000;

/**
 * Health, state and exit of tmux runtimes, read by polling the pane: tmux itself is the
 * process that outlives the daemon, so there is no stream to be told on.
 */
export class TmuxWatch {
  constructor(private readonly hooks: BackendHooks) {}

  /** One poll of one runtime at a time; a second caller shares the running one. */
  poll(t: TmuxRuntime, untrack: () => void): Promise<void> {
    if (t.exited) return Promise.resolve();
    // a record removed meanwhile (deregister, remove) is no longer ours to watch
    if (this.hooks.registry.get(t.row.name)?.id !== t.row.id) {
      untrack();
      return Promise.resolve();
    }
    t.polling ??= this.pollNow(t, untrack)
      .catch((err: unknown) => this.hooks.ctx.logger.warn("tmux poll failed", { name: t.row.name, err: String(err) }))
      .finally(() => (t.polling = null));
    return t.polling;
  }

  private async pollNow(t: TmuxRuntime, untrack: () => void): Promise<void> {
    const snap = await t.pane.snapshot();
    const now = Date.now();
    if (!snap) {
      untrack();
      return this.lost(t, t.managed ? "its tmux session is gone" : "the observed tmux pane is gone");
    }
    const { info } = snap;
    // masked before the detector sees it: what it says (why) reaches the registry and events
    const view = { ...snap.view, lines: maskRows(snap.view.lines, snap.view.cols, t.redact) };
    if (info.dead) {
      t.deadSince ??= now;
      // a process ended by a signal has no status, only a signal (tmux 3.3+)
      const signal = info.deadStatus === null ? await this.deadSignal(t) : null;
      if (info.deadStatus === null && signal === null && now - t.deadSince < STATUS_GRACE_MS) return;
      return this.markExited(t, info.deadStatus, signal);
    }
    if (!info.pid || !pidAlive(info.pid)) {
      t.goneSince ??= now;
      if (now - t.goneSince >= GONE_GRACE_MS) {
        t.exited = true;
        this.lost(t, `tmux pane ${info.paneId} is open but its process ${info.pid} is gone`);
      }
      return;
    }
    t.goneSince = null;
    const patch: Partial<RuntimeRow> = {};
    const text = view.lines.join("\n");
    if (text !== t.lastText) {
      t.lastText = text;
      t.lastChangeMs = now;
      patch.last_output_at = t.row.last_output_at = new Date(now).toISOString();
    }
    if (info.pid !== t.row.pid) patch.pid = t.row.pid = info.pid;
    if (info.cols !== t.row.cols || info.rows !== t.row.rows) Object.assign(patch, { cols: (t.row.cols = info.cols), rows: (t.row.rows = info.rows) });
    const cfg = this.hooks.cfg();
    // observed panes are expired by the heartbeat policy like any unmanaged runtime: beat well inside it
    if (now - t.lastBeatMs >= Math.min(cfg.heartbeat_ms, cfg.stale_after_ms) / 2) {
      t.lastBeatMs = now;
      patch.heartbeat_at = t.row.heartbeat_at = new Date(now).toISOString();
    }
    if (Object.keys(patch).length) this.hooks.registry.update(t.row.id, patch);
    t.detect ??= this.hooks.detector(t.row);
    const d = t.detect(view, { msSinceOutput: now - t.lastChangeMs, exited: false, exitCode: null });
    if (d.state !== "exited") this.hooks.setState(t.row, d.state, d.why);
  }

  private lost(t: TmuxRuntime, why: string): void {
    this.hooks.setState(t.row, "lost", why);
    this.hooks.ctx.events.append("runtime.lost", t.row.name, { id: t.row.id });
    this.wake(t);
  }

  private async deadSignal(t: TmuxRuntime): Promise<number | null> {
    const r = await t.pane.server.raw(["display-message", "-p", "-t", t.pane.target, "#{pane_dead_signal}"]);
    const n = Number(r.stdout.trim());
    return r.code === 0 && r.stdout.trim() !== "" && Number.isInteger(n) && n > 0 ? n : null;
  }

  private markExited(t: TmuxRuntime, status: number | null, seenSignal: number | null): void {
    const sent = t.sentSignal ? ((os.constants.signals as Record<string, number>)[t.sentSignal] ?? null) : null;
    const signal = status === null ? (seenSignal ?? sent) : null;
    const at = new Date().toISOString();
    Object.assign(t.row, { exit_code: status, exit_signal: signal, exited_at: at });
    this.hooks.registry.update(t.row.id, { exit_code: status, exit_signal: signal, exited_at: at });
    const why =
      status !== null
        ? `tmux: pane dead, process exited with status ${status}`
        : signal
          ? `tmux: pane dead, process killed by signal ${signal}`
          : "tmux: pane dead, exit status unknown";
    t.exited = true;
    this.hooks.setState(t.row, "exited", why);
    this.hooks.ctx.events.append("runtime.exited", t.row.name, { id: t.row.id, exit_code: status, signal, backend: "tmux" });
    this.wake(t);
  }

  private wake(t: TmuxRuntime): void {
    for (const w of t.exitWaiters) w();
    t.exitWaiters.clear();
  }

  /** Resolves after `ms`, or as soon as the runtime ends. */
  pause(t: TmuxRuntime, ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      t.exitWaiters.add(() => (clearTimeout(timer), r()));
    });
  }
}
