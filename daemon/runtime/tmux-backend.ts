import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import { SwarmError } from "../../protocol/errors.js";
import { pidAlive } from "../../protocol/os.js";
import type { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { runtimeObserve } from "../../protocol/methods/runtime.js";
import type { DaemonContext } from "../context.js";
import type { RuntimeRegistry, RuntimeRow } from "./registry.js";
import type { SendResult } from "./send.js";
import type { DetectFn } from "./state-detector.js";
import { ManagedTmuxSession, TmuxPaneObserver, TmuxServer, findManagedSession, startManagedSession, type TmuxSocket } from "./tmux/index.js";
import type { StartParams } from "./manager.js";

/** What the tmux backend needs from the runtime manager: one registry, one state rule, one detector lookup. */
export interface TmuxHooks {
  registry: RuntimeRegistry;
  setState(row: RuntimeRow, state: RuntimeRow["state"], why: string): void;
  detector(row: RuntimeRow): DetectFn;
  cfg(): RuntimeConfig;
  /** drops an ended runtime entirely (live state, row, files) so its name can be reused */
  forget(row: RuntimeRow): void;
}

/** Kept in the row's holder_socket column for tmux runtimes: which server, which pane. */
interface TmuxWhere {
  socket: TmuxSocket;
  pane: string;
}

interface TmuxRuntime {
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
  polling: Promise<void> | null;
  exitWaiters: Set<() => void>;
}

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);
// How long to wait for tmux to report a dead pane's status, and for a vanished process to stay vanished.
const STATUS_GRACE_MS = 1500;
const GONE_GRACE_MS = 1000;

export function unmanagedRefusal(name: string, what: string): SwarmError {
  return new SwarmError("PERMISSION_DENIED", `runtime ${name} is unmanaged (observed, not started by swarm); swarm never ${what} it`, {
    hint: `only runtimes started with \`swarmctl runtime start\` accept input; read this one with \`swarmctl runtime screen ${name}\``,
    details: { management: "unmanaged" },
  });
}

/**
 * The tmux backend (R-R6): managed runtimes in named sessions on swarm's own tmux socket,
 * and observed (unmanaged) panes on any server. tmux itself is the process that outlives
 * the daemon; state, health and exit come from polling the pane on the manager's timer.
 */
export class TmuxBackend {
  private readonly live = new Map<string, TmuxRuntime>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly hooks: TmuxHooks,
  ) {}

  /** swarm's own tmux server: one socket per SWARM_HOME, never the user's default server. */
  ownSocketPath(): string {
    return path.join(this.ctx.paths.runDir, "tmux.sock");
  }

  has(name: string): boolean {
    return this.live.has(name);
  }

  async start(p: StartParams, how: { cwd: string; argv: string[]; vars: Record<string, string> }): Promise<RuntimeRow> {
    const id = "rt-" + randomBytes(6).toString("hex");
    const socket: TmuxSocket = { path: this.ownSocketPath() };
    fs.mkdirSync(this.ctx.paths.runDir, { recursive: true });
    const server = new TmuxServer({ socket });
    // the session is named after the id: unique, and free of the "." tmux reads as a separator
    const session = await startManagedSession(server, { name: id, argv: how.argv, cwd: how.cwd, env: how.vars, cols: p.cols, rows: p.rows });
    const info = await server.paneInfo(session.target);
    const now = new Date().toISOString();
    const row: RuntimeRow = {
      id,
      name: p.name,
      environment: p.env ?? null,
      cwd: how.cwd,
      agent: p.agent,
      command: p.command,
      session_id: p.session_id ?? null,
      pid: info?.pid ?? null,
      holder_pid: null,
      holder_socket: JSON.stringify({ socket, pane: session.target } satisfies TmuxWhere),
      pty_backend: "tmux",
      target: id,
      management: "managed",
      state: "starting",
      why: "tmux session started",
      exit_code: null,
      exit_signal: null,
      cols: info?.cols ?? p.cols,
      rows: info?.rows ?? p.rows,
      bytes_out: 0,
      heartbeat_at: now,
      last_output_at: null,
      last_human_input_at: null,
      created_at: now,
      updated_at: now,
      exited_at: null,
      detector: p.detector ?? null,
    };
    this.hooks.registry.insert(row);
    this.track(row, session, session);
    this.ctx.events.append("runtime.started", p.name, { id, command: p.command, cwd: how.cwd, agent: p.agent, pid: row.pid, backend: "tmux" });
    return row;
  }

  async observe(p: z.output<typeof runtimeObserve.params>): Promise<RuntimeRow> {
    if (p.socket_path && p.socket_name) {
      throw new SwarmError("INVALID_ARGUMENT", "give a tmux socket path (-S) or a socket name (-L), not both", { hint: "--tmux-socket PATH or -L NAME" });
    }
    const socket: TmuxSocket = p.socket_path ? { path: path.resolve(p.socket_path) } : p.socket_name ? { name: p.socket_name } : "default";
    const server = new TmuxServer({ socket });
    const info = await server.paneInfo(p.target);
    const where = p.socket_path ? `socket ${p.socket_path}` : p.socket_name ? `socket -L ${p.socket_name}` : "the default tmux server";
    if (!info) {
      throw new SwarmError("NOT_FOUND", `no tmux pane ${JSON.stringify(p.target)} on ${where}`, {
        hint: `list panes with \`tmux ${p.socket_path ? `-S ${p.socket_path} ` : p.socket_name ? `-L ${p.socket_name} ` : ""}list-panes -a\``,
      });
    }
    const existing = this.hooks.registry.get(p.name);
    if (existing && !TERMINAL.has(existing.state)) {
      throw new SwarmError("CONFLICT", `runtime ${p.name} already exists and is ${existing.state}`, { hint: "pick another name" });
    }
    if (existing) this.hooks.forget(existing);
    const now = new Date().toISOString();
    const row: RuntimeRow = {
      id: "rt-" + randomBytes(6).toString("hex"),
      name: p.name,
      environment: null,
      cwd: "",
      agent: p.agent,
      command: info.command ? [info.command] : [],
      session_id: null,
      pid: info.pid || null,
      holder_pid: null,
      holder_socket: JSON.stringify({ socket, pane: info.paneId } satisfies TmuxWhere),
      pty_backend: "tmux",
      target: p.target,
      management: "unmanaged",
      state: "starting",
      why: "observing tmux pane " + info.paneId,
      exit_code: null,
      exit_signal: null,
      cols: info.cols,
      rows: info.rows,
      bytes_out: 0,
      heartbeat_at: now,
      last_output_at: null,
      last_human_input_at: null,
      created_at: now,
      updated_at: now,
      exited_at: null,
      detector: p.detector ?? null,
    };
    this.hooks.registry.insert(row);
    this.track(row, new TmuxPaneObserver(server, info.paneId), null);
    this.ctx.events.append("runtime.registered", p.name, { id: row.id, pty_backend: "tmux", target: p.target, pane: info.paneId });
    await this.poll(this.live.get(p.name)!);
    return this.hooks.registry.get(p.name) ?? row;
  }

  /** After a daemon restart: pick up a tmux runtime again if its pane is still there. */
  async adopt(row: RuntimeRow): Promise<"adopted" | "lost" | "skipped"> {
    if (row.state === "lost") return "skipped";
    const where = this.whereOf(row);
    if (!where) return "skipped";
    const server = new TmuxServer({ socket: where.socket });
    const pane = row.management === "managed" ? await findManagedSession(server, row.id).catch(() => null) : new TmuxPaneObserver(server, where.pane);
    const alive = pane && (await server.paneInfo(pane.target));
    if (TERMINAL.has(row.state)) {
      // finished earlier: keep its dead pane readable, nothing more
      if (alive && pane) this.track(row, pane, pane instanceof ManagedTmuxSession ? pane : null).exited = true;
      return "skipped";
    }
    if (!alive || !pane) {
      this.hooks.setState(row, "lost", row.management === "managed" ? "its tmux session is gone" : "the observed tmux pane is gone");
      this.ctx.events.append("runtime.lost", row.name, { id: row.id });
      return "lost";
    }
    this.track(row, pane, pane instanceof ManagedTmuxSession ? pane : null);
    this.ctx.events.append("runtime.adopted", row.name, { id: row.id, pid: row.pid, backend: "tmux" });
    return "adopted";
  }

  private whereOf(row: RuntimeRow): TmuxWhere | null {
    try {
      return row.holder_socket ? (JSON.parse(row.holder_socket) as TmuxWhere) : null;
    } catch {
      return null;
    }
  }

  private track(row: RuntimeRow, pane: TmuxPaneObserver, managed: ManagedTmuxSession | null): TmuxRuntime {
    const t: TmuxRuntime = {
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
    this.live.set(row.name, t);
    return t;
  }

  get(name: string): TmuxRuntime {
    const t = this.live.get(name);
    if (!t) throw new SwarmError("NOT_FOUND", `no tmux runtime named ${JSON.stringify(name)}`, { hint: "see `swarmctl runtime list`" });
    return t;
  }

  /** Re-reads every tracked pane: health first, then the agent's detector on the screen. */
  async pollAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((t) => this.poll(t)));
  }

  poll(t: TmuxRuntime): Promise<void> {
    if (t.exited) return Promise.resolve();
    // a record removed meanwhile (deregister, remove) is no longer ours to watch
    if (this.hooks.registry.get(t.row.name)?.id !== t.row.id) {
      this.live.delete(t.row.name);
      return Promise.resolve();
    }
    t.polling ??= this.pollNow(t)
      .catch((err: unknown) => this.ctx.logger.warn("tmux poll failed", { name: t.row.name, err: String(err) }))
      .finally(() => (t.polling = null));
    return t.polling;
  }

  private async pollNow(t: TmuxRuntime): Promise<void> {
    const snap = await t.pane.snapshot();
    const now = Date.now();
    if (!snap) {
      this.live.delete(t.row.name);
      this.hooks.setState(t.row, "lost", t.managed ? "its tmux session is gone" : "the observed tmux pane is gone");
      this.ctx.events.append("runtime.lost", t.row.name, { id: t.row.id });
      this.wake(t);
      return;
    }
    const { info, view } = snap;
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
        this.hooks.setState(t.row, "lost", `tmux pane ${info.paneId} is open but its process ${info.pid} is gone`);
        this.ctx.events.append("runtime.lost", t.row.name, { id: t.row.id });
        t.exited = true;
        this.wake(t);
      }
      return;
    }
    t.goneSince = null;
    const text = view.lines.join("\n");
    const patch: Partial<RuntimeRow> = {};
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
    this.ctx.events.append("runtime.exited", t.row.name, { id: t.row.id, exit_code: status, signal, backend: "tmux" });
    this.wake(t);
  }

  private wake(t: TmuxRuntime): void {
    for (const w of t.exitWaiters) w();
    t.exitWaiters.clear();
  }

  managedOf(name: string): TmuxRuntime & { managed: ManagedTmuxSession } {
    const t = this.get(name);
    if (!t.managed) throw unmanagedRefusal(name, "writes to");
    if (t.exited) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${name} has exited (code ${t.row.exit_code ?? "?"})`, { details: { state: t.row.state } });
    }
    return t as TmuxRuntime & { managed: ManagedTmuxSession };
  }

  /** Text delivery through tmux: load-buffer + paste-buffer -p, Enter as its own key, screen confirmation. */
  async send(name: string, o: { text: string; enter: boolean; enterDelayMs: number; confirmTimeoutMs: number }): Promise<SendResult> {
    const t = this.managedOf(name);
    const t0 = Date.now();
    const r = await t.managed.send(o.text, { submit: o.enter, enterDelayMs: o.enterDelayMs, confirmTimeoutMs: o.confirmTimeoutMs, retryEnter: 1 });
    void this.poll(t);
    return { status: r.result, paste: true, why: `tmux paste-buffer -p: ${r.why}`, ms: Date.now() - t0 };
  }

  /** Signals the pane's process and waits (polling fast) until tmux reports the pane dead. */
  async signal(name: string, signal: string, timeoutMs: number): Promise<boolean> {
    const t = this.managedOf(name);
    t.sentSignal = signal;
    try {
      if (t.row.pid) process.kill(t.row.pid, signal);
    } catch {
      // already gone: the poll below records the exit
    }
    const deadline = Date.now() + timeoutMs;
    while (!t.exited && Date.now() < deadline) {
      await this.poll(t);
      if (t.exited) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 25);
        t.exitWaiters.add(() => (clearTimeout(timer), r()));
      });
    }
    return t.exited;
  }

  /** The screen as runtime.screen returns it, read from tmux. */
  async screen(name: string, opts: { ansi: boolean; scrollback: number }) {
    const t = this.get(name);
    const snap = await t.pane.snapshot();
    if (!snap) throw new SwarmError("INVALID_TRANSITION", `runtime ${name}: its tmux pane is gone`, { details: { state: t.row.state } });
    const v = snap.view;
    const server = t.pane.server;
    const history = opts.scrollback > 0 ? await server.run(["capture-pane", "-p", "-t", t.pane.target, "-S", String(-opts.scrollback), "-E", "-1"]) : null;
    return {
      name,
      state: t.row.state,
      why: t.row.why,
      cols: v.cols,
      rows: v.rows,
      cursor: v.cursor,
      alt_screen: v.altScreen,
      bracketed_paste: v.bracketedPaste,
      title: v.title,
      lines: v.lines,
      ...(history !== null
        ? {
            scrollback: history
              .replace(/\n$/, "")
              .split("\n")
              .map((l) => l.replace(/\s+$/, "")),
          }
        : {}),
      ...(opts.ansi ? { ansi: (await t.pane.capture({ ansi: true })).replace(/\n$/, "").split("\n").join("\r\n") } : {}),
    };
  }

  /** Drops a record's tmux side: a managed session is killed, an observed pane is left alone. */
  forget(row: RuntimeRow): void {
    const t = this.live.get(row.name);
    if (t?.row.id === row.id) this.live.delete(row.name);
    if (row.pty_backend !== "tmux" || row.management !== "managed") return;
    const where = this.whereOf(row);
    if (where) void new TmuxServer({ socket: where.socket }).raw(["kill-session", "-t", `=${row.id}`]).catch(() => undefined);
  }

  shutdown(): void {
    this.live.clear();
  }
}
