import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { SwarmError } from "../../protocol/errors.js";
import type { runtimeObserve } from "../../protocol/methods/runtime.js";
import {
  NO_FEATURES,
  type AdoptOutcome,
  type BackendHooks,
  type BackendInfo,
  type Launch,
  type RuntimeBackend,
  type ScreenResult,
  type StartParams,
  startedEvent,
} from "./backend.js";
import { newRow, type RuntimeRow } from "./registry.js";
import { inputLineOf } from "./input-line.js";
import { guardSend, type SendOptions, type SendResult } from "./send.js";
import { humanAgeMs, styledPane } from "./tmux-guard.js";
import { ManagedTmuxSession, TmuxPaneObserver, TmuxServer, findManagedSession, startManagedSession, type TmuxSocket } from "./tmux/index.js";
import { TmuxWatch, tmuxRuntime, type TmuxRuntime } from "./tmux-watch.js";
import { loadRedaction, maskRows, maskText, saveRedaction } from "./tmux-redact.js";

/** Kept in the row's holder_socket column for tmux runtimes: which server, which pane. */
interface TmuxWhere {
  socket: TmuxSocket;
  pane: string;
}

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);

/**
 * The tmux backend (R-R6): managed runtimes in named sessions on swarm's own tmux socket,
 * and observed (unmanaged) panes on any server. tmux itself is the process that outlives
 * the daemon; state, health and exit come from polling the pane on the manager's timer.
 * There is no byte stream: no attach, no raw input (use tmux itself for those).
 */
export class TmuxBackend implements RuntimeBackend {
  readonly kind = "tmux" as const;
  private readonly live = new Map<string, TmuxRuntime>();
  private readonly watch: TmuxWatch;

  constructor(private readonly hooks: BackendHooks) {
    this.watch = new TmuxWatch(hooks);
  }

  /** swarm's own tmux server: one socket per SWARM_HOME, never the user's default server. */
  ownSocketPath(): string {
    return path.join(this.hooks.ctx.paths.runDir, "tmux.sock");
  }

  owns(row: RuntimeRow): boolean {
    return row.pty_backend === "tmux" && row.holder_socket !== null;
  }

  info(row: RuntimeRow): BackendInfo {
    if (row.management === "managed") {
      return {
        backend: "tmux",
        managed: true,
        features: { ...NO_FEATURES, screen: true, send: true, resize: true, signal: true },
        what: "runs in tmux (no byte stream: attach and raw input are for PTY-holder runtimes)",
        hint: `use \`swarmctl runtime send|screen ${row.name}\`, or tmux itself: \`tmux -S ${this.ownSocketPath()} attach -t ${row.target ?? ""}\``,
      };
    }
    return {
      backend: "tmux",
      managed: false,
      features: { ...NO_FEATURES, screen: true },
      what: "is an observed tmux pane",
      hint: `only runtimes started with \`swarmctl runtime start\` accept input; read this one with \`swarmctl runtime screen ${row.name}\``,
    };
  }

  current(name: string): RuntimeRow | undefined {
    return this.live.get(name)?.row;
  }

  async start(p: StartParams, how: Launch): Promise<RuntimeRow> {
    const row = newRow({
      name: p.name,
      agent: p.agent,
      command: p.command,
      pty_backend: "tmux",
      management: "managed",
      state: "starting",
      why: "tmux session started",
      ...how.fields,
    });
    const socket: TmuxSocket = { path: this.ownSocketPath() };
    fs.mkdirSync(this.hooks.ctx.paths.runDir, { recursive: true });
    const server = new TmuxServer({ socket });
    // the session is named after the id: unique, and free of the "." tmux reads as a separator
    const session = await startManagedSession(server, { name: row.id, argv: how.argv, cwd: how.cwd, env: how.vars, cols: p.cols, rows: p.rows });
    // masking happens when the pane is read, so a value printed before this is masked too
    if (!(await saveRedaction(server, row.id, how.redact))) {
      this.hooks.ctx.logger.warn("tmux did not keep the redaction values: masked until swarmd restarts, not after", { name: p.name });
    }
    const info = await server.paneInfo(session.target);
    Object.assign(row, {
      environment: p.env ?? null,
      cwd: how.cwd,
      session_id: p.session_id ?? null,
      pid: info?.pid ?? null,
      holder_socket: JSON.stringify({ socket, pane: session.target } satisfies TmuxWhere),
      target: row.id,
      cols: info?.cols ?? p.cols,
      rows: info?.rows ?? p.rows,
      detector: p.detector ?? null,
    });
    this.hooks.registry.insert(row);
    this.track(row, session, session, how.redact);
    this.hooks.ctx.events.append("runtime.started", p.name, { ...startedEvent(row, p, how), backend: "tmux" });
    return row;
  }

  /** Starts watching someone else's pane, read-only (management `unmanaged`). */
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
    const row = newRow({
      name: p.name,
      agent: p.agent,
      command: info.command ? [info.command] : [],
      pty_backend: "tmux",
      management: "unmanaged",
      state: "starting",
      why: "observing tmux pane " + info.paneId,
    });
    Object.assign(row, {
      pid: info.pid || null,
      holder_socket: JSON.stringify({ socket, pane: info.paneId } satisfies TmuxWhere),
      target: p.target,
      cols: info.cols,
      rows: info.rows,
      detector: p.detector ?? null,
    });
    this.hooks.registry.insert(row);
    const t = this.track(row, new TmuxPaneObserver(server, info.paneId), null);
    this.hooks.ctx.events.append("runtime.registered", p.name, { id: row.id, pty_backend: "tmux", target: p.target, pane: info.paneId });
    await this.pollOne(t);
    return this.hooks.registry.get(p.name) ?? row;
  }

  async adopt(row: RuntimeRow): Promise<AdoptOutcome> {
    if (row.state === "lost") return "skipped";
    const where = this.whereOf(row);
    if (!where) return "skipped";
    const server = new TmuxServer({ socket: where.socket });
    const pane = row.management === "managed" ? await findManagedSession(server, row.id).catch(() => null) : new TmuxPaneObserver(server, where.pane);
    const alive = pane && (await server.paneInfo(pane.target));
    const redact = pane instanceof ManagedTmuxSession && alive ? await loadRedaction(server, row.id) : [];
    if (TERMINAL.has(row.state)) {
      // finished earlier: keep its dead pane readable, nothing more
      if (alive && pane) this.track(row, pane, pane instanceof ManagedTmuxSession ? pane : null, redact).exited = true;
      return "skipped";
    }
    if (!alive || !pane) {
      this.hooks.setState(row, "lost", row.management === "managed" ? "its tmux session is gone" : "the observed tmux pane is gone");
      this.hooks.ctx.events.append("runtime.lost", row.name, { id: row.id });
      return "lost";
    }
    this.track(row, pane, pane instanceof ManagedTmuxSession ? pane : null, redact);
    this.hooks.ctx.events.append("runtime.adopted", row.name, { id: row.id, pid: row.pid, backend: "tmux" });
    return "adopted";
  }

  private whereOf(row: RuntimeRow): TmuxWhere | null {
    try {
      return row.holder_socket ? (JSON.parse(row.holder_socket) as TmuxWhere) : null;
    } catch {
      return null;
    }
  }

  private track(row: RuntimeRow, pane: TmuxPaneObserver, managed: ManagedTmuxSession | null, redact: string[] = []): TmuxRuntime {
    const t = tmuxRuntime(row, pane, managed, redact);
    this.live.set(row.name, t);
    return t;
  }

  private pollOne(t: TmuxRuntime): Promise<void> {
    return this.watch.poll(t, () => {
      if (this.live.get(t.row.name) === t) this.live.delete(t.row.name);
    });
  }

  /** Re-reads every tracked pane: health first, then the agent's detector on the screen. */
  poll(): void {
    void Promise.all([...this.live.values()].map((t) => this.pollOne(t)));
  }

  private get(row: RuntimeRow): TmuxRuntime {
    const t = this.live.get(row.name);
    if (!t) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name} is ${row.state}; its terminal is gone`, { details: { state: row.state } });
    }
    return t;
  }

  /** The session swarm started for a runtime that still runs. */
  private session(row: RuntimeRow): TmuxRuntime & { managed: ManagedTmuxSession } {
    const t = this.get(row);
    if (t.exited || !t.managed) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name} has exited (code ${t.row.exit_code ?? "?"})`, { details: { state: t.row.state } });
    }
    return t as TmuxRuntime & { managed: ManagedTmuxSession };
  }

  /**
   * Text delivery through tmux: the holder's refusals first (approval prompt, a draft in the
   * input line, a person's recent typing: tmux-guard.ts), then load-buffer + paste-buffer -p,
   * Enter as its own key after the agent's enter delay, screen confirmation.
   */
  async send(row: RuntimeRow, o: SendOptions): Promise<SendResult> {
    const t = this.session(row);
    const t0 = Date.now();
    const readyMs = o.readyTimeoutMs ?? o.confirmTimeoutMs;
    while (t.row.state === "starting" && !t.exited && Date.now() - t0 < readyMs) {
      await this.pollOne(t);
      if (t.row.state === "starting") await this.watch.pause(t, 100);
    }
    if (t.row.state === "starting") {
      return {
        status: "refused",
        reason: "starting",
        paste: true,
        why: `the agent did not become ready within ${readyMs} ms (${t.row.why})`,
        ms: Date.now() - t0,
      };
    }
    const snap = await styledPane(t.pane);
    if (!snap) throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name}: its tmux pane is gone`, { details: { state: t.row.state } });
    const adapter = this.hooks.adapter(t.row);
    t.detect ??= this.hooks.detector(t.row);
    const state = t.detect(snap.view, { msSinceOutput: Date.now() - t.lastChangeMs, exited: false, exitCode: null });
    const humanMs = await humanAgeMs(t.pane, t.managed.name);
    const forced = guardSend({ name: row.name, state, screen: snap.view, line: inputLineOf(adapter, snap.view), humanMs }, o);
    const enterDelayMs = Math.max(o.enterDelayMs, adapter.enterDelayMs ?? 0);
    const r = await t.managed.send(o.text, { submit: o.enter, enterDelayMs, confirmTimeoutMs: o.confirmTimeoutMs, retryEnter: 1 });
    void this.pollOne(t);
    return { status: r.result, paste: true, why: `tmux paste-buffer -p: ${r.why}`, ms: Date.now() - t0, ...(forced ? { forced } : {}) };
  }

  async resize(row: RuntimeRow, cols: number, rows: number): Promise<void> {
    const t = this.session(row);
    await t.managed.resize(cols, rows);
    Object.assign(t.row, { cols, rows });
    this.hooks.registry.update(t.row.id, { cols, rows });
  }

  /** Signals the pane's process and waits (polling fast) until tmux reports the pane dead. */
  async signal(row: RuntimeRow, signal: string, timeoutMs: number): Promise<boolean> {
    const t = this.session(row);
    t.sentSignal = signal;
    try {
      if (t.row.pid) process.kill(t.row.pid, signal);
    } catch {
      // already gone: the poll below records the exit
    }
    const deadline = Date.now() + timeoutMs;
    while (!t.exited && Date.now() < deadline) {
      await this.pollOne(t);
      if (!t.exited) await this.watch.pause(t, 25);
    }
    return t.exited;
  }

  /** The screen as runtime.screen returns it, read from tmux, secret values masked (tmux-redact.ts). */
  async screen(row: RuntimeRow, opts: { ansi: boolean; scrollback: number }): Promise<ScreenResult> {
    const t = this.get(row);
    const snap = await t.pane.snapshot();
    if (!snap) throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name}: its tmux pane is gone`, { details: { state: t.row.state } });
    const v = snap.view;
    const server = t.pane.server;
    const trimmed = (s: string) => s.replace(/\n$/, "").split("\n");
    // history and screen in one capture, masked together: a value wrapping from the last history row onto the screen is masked whole
    const all = opts.scrollback > 0 ? trimmed(await server.run(["capture-pane", "-p", "-t", t.pane.target, "-S", String(-opts.scrollback)])) : null;
    const scrollback =
      all &&
      maskRows(
        all.map((l) => l.replace(/\s+$/, "")),
        v.cols,
        t.redact,
      ).slice(0, Math.max(0, all.length - v.rows));
    return {
      name: row.name,
      state: t.row.state,
      why: t.row.why,
      cols: v.cols,
      rows: v.rows,
      cursor: v.cursor,
      alt_screen: v.altScreen,
      bracketed_paste: v.bracketedPaste,
      title: maskText(v.title, t.redact),
      lines: maskRows(v.lines, v.cols, t.redact),
      ...(scrollback ? { scrollback } : {}),
      ...(opts.ansi ? { ansi: maskRows(trimmed(await t.pane.capture({ ansi: true })), v.cols, t.redact).join("\r\n") } : {}),
    };
  }

  /** Drops a record's tmux side: a managed session is killed, an observed pane is left alone. */
  forget(row: RuntimeRow): void {
    const t = this.live.get(row.name);
    if (t?.row.id === row.id) this.live.delete(row.name);
    if (row.management !== "managed") return;
    const where = this.whereOf(row);
    if (where) void new TmuxServer({ socket: where.socket }).raw(["kill-session", "-t", `=${row.id}`]).catch(() => undefined);
  }

  shutdown(): void {
    this.live.clear();
  }
}
