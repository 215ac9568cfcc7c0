import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { Connection } from "../rpc/handler.js";
import {
  NO_FEATURES,
  type AdoptOutcome,
  type AttachResult,
  type BackendHooks,
  type BackendInfo,
  type Launch,
  type RuntimeBackend,
  type ScreenResult,
  type StartParams,
  startedEvent,
} from "./backend.js";
import { HOLDER_PROTOCOL, OLDEST_HOLDER_PROTOCOL, type HolderExit } from "./holder/frames.js";
import { HolderLink } from "./holder-link.js";
import { holderTail, spawnHolder } from "./holder-spawn.js";
import { HELD_FOR_BRIDGE } from "./bridge-gate.js";
import { detectLive } from "./live-detect.js";
import { LiveRuntime } from "./live-runtime.js";
import { newRow, type RuntimeRow } from "./registry.js";
import { deliver, type SendOptions, type SendResult } from "./send.js";
import type { DetectedState } from "./adapters/types.js";
import { settle } from "./state-detector.js";

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);

const HOLDER_INFO: BackendInfo = {
  backend: "holder",
  managed: true,
  features: { ...NO_FEATURES, screen: true, send: true, input: true, attach: true, resize: true, signal: true },
  what: "runs in a PTY holder",
  hint: "see `swarmctl runtime show NAME`",
};

/**
 * The PTY-holder backend (R-R1): each program runs under a small holder process of its own
 * that outlives the daemon; the daemon links to the holder's socket, keeps a headless
 * terminal model of the screen, and links again after a restart from the holder's replay.
 */
export class HolderBackend implements RuntimeBackend {
  readonly kind = "holder" as const;
  private readonly live = new Map<string, LiveRuntime>();
  private readonly evalTimers = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly hooks: BackendHooks,
    /** the holder's directory of a runtime id: spec, logs, exit.json, recording/ */
    private readonly dirOf: (id: string) => string,
  ) {}

  owns(row: RuntimeRow): boolean {
    return row.pty_backend === "holder" && row.management === "managed";
  }

  info(): BackendInfo {
    return HOLDER_INFO;
  }

  current(name: string): RuntimeRow | undefined {
    return this.live.get(name)?.row;
  }

  /** The live runtime (the daemon holds its link), or an error saying why there is none. */
  liveOf(row: RuntimeRow, opts: { running?: boolean } = {}): LiveRuntime {
    const rt = this.live.get(row.name);
    if (!rt) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name} is ${row.state}; its terminal is gone`, {
        hint: `see its recording with \`swarmctl logs ${row.name}\``,
        details: { state: row.state },
      });
    }
    if (opts.running && rt.exited) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${row.name} has exited (code ${rt.exit?.exit_code ?? "?"})`, {
        hint: `start it again with \`swarmctl runtime start ${row.name} …\` after \`swarmctl runtime remove ${row.name}\``,
        details: { state: row.state },
      });
    }
    return rt;
  }

  async start(p: StartParams, how: Launch): Promise<RuntimeRow> {
    const row = newRow({
      name: p.name,
      agent: p.agent,
      command: p.command,
      pty_backend: "holder",
      management: "managed",
      state: "starting",
      why: "holder spawned",
      ...how.fields,
    });
    Object.assign(row, {
      environment: p.env ?? null,
      cwd: how.cwd,
      session_id: p.session_id ?? null,
      cols: p.cols,
      rows: p.rows,
      detector: p.detector ?? null,
    });
    const dir = this.dirOf(row.id);
    const { holder, socket } = spawnHolder(this.hooks.ctx, this.hooks.cfg(), {
      id: row.id,
      name: p.name,
      dir,
      cwd: how.cwd,
      cols: p.cols,
      rows: p.rows,
      command: how.argv,
      vars: how.vars,
      redact: how.redact,
    });
    row.holder_pid = holder.pid ?? null;
    row.holder_socket = socket;
    this.hooks.registry.insert(row);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const linked = await this.link(row, true);
      if (linked === "refused") throw new SwarmError("INTERNAL", `the PTY holder for ${p.name} speaks a protocol this swarmd does not: ${row.why}`);
      if (linked) break;
      if (Date.now() > deadline || holder.exitCode !== null) {
        const err = holderTail(dir);
        this.hooks.setState(row, "lost", "the PTY holder did not come up");
        throw new SwarmError("UNAVAILABLE", `the PTY holder for ${p.name} did not start${err ? `: ${err}` : ""}`, {
          hint: "check that the command exists and see the daemon log",
        });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    this.hooks.ctx.events.append("runtime.started", p.name, startedEvent(row, p, how));
    return row;
  }

  /**
   * Links to a holder and rebuilds the screen from its replay; false when nobody answers,
   * "refused" when the holder speaks a protocol this daemon does not know (a newer holder).
   * `fresh`: the runtime was just started (its replay is live output, queries to answer).
   */
  private async link(row: RuntimeRow, fresh = false): Promise<boolean | "refused"> {
    if (!row.holder_socket) return false;
    const rt = this.live.get(row.name) ?? new LiveRuntime(row, this.hooks.cfg().scrollback);
    let ready!: () => void;
    const replayed = new Promise<void>((r) => (ready = r));
    let refused: number | null = null;
    try {
      rt.link = await HolderLink.connect(row.holder_socket, {
        info: (info) => {
          const v = info.protocol ?? OLDEST_HOLDER_PROTOCOL;
          if (v < OLDEST_HOLDER_PROTOCOL || v > HOLDER_PROTOCOL) {
            refused = v;
            rt.link?.close();
            return ready();
          }
          rt.resetFrom(info);
          rt.row.pid = info.child_pid;
          rt.row.holder_pid = info.holder_pid;
        },
        replay: (c) => rt.replay(c),
        // ready once the model has parsed the replay (xterm parses writes later, in order): a
        // screen asked for right after a restart must show it, not a blank terminal (#2)
        replayEnd: () =>
          rt.model.write("", () => {
            rt.replayDone(fresh);
            ready();
          }),
        data: (c) => rt.data(c),
        exit: (e) => rt.exited_(e),
        close: () => {
          ready();
          if (refused === null && !this.stopping && !rt.exited && this.live.get(row.name) === rt) this.holderGone(rt);
        },
      });
    } catch {
      return false;
    }
    rt.onOutput = () => this.scheduleEval(rt);
    rt.onExit = (e) => this.recordExit(rt, e);
    this.live.set(row.name, rt);
    await replayed;
    if (refused !== null) return this.refuse(rt, refused);
    const { pid, holder_pid, cols, rows } = rt.row;
    this.hooks.registry.update(row.id, { pid, holder_pid, cols, rows, heartbeat_at: new Date().toISOString() });
    return true;
  }

  /** A holder newer than this daemon: leave it running untouched (a newer daemon adopts it) and say why. */
  private refuse(rt: LiveRuntime, version: number): "refused" {
    rt.link?.close();
    this.live.delete(rt.row.name);
    rt.model.dispose();
    const why = `its PTY holder speaks protocol ${version}; this swarmd speaks ${OLDEST_HOLDER_PROTOCOL}–${HOLDER_PROTOCOL}: upgrade swarmd to adopt it`;
    this.hooks.setState(rt.row, rt.row.state, why);
    this.hooks.ctx.logger.warn("runtime holder refused", { name: rt.row.name, protocol: version });
    return "refused";
  }

  async adopt(row: RuntimeRow): Promise<AdoptOutcome> {
    if (TERMINAL.has(row.state)) return "skipped";
    const linked = await this.link(row);
    if (linked === "refused") return "skipped";
    if (linked) {
      this.hooks.ctx.events.append("runtime.adopted", row.name, { id: row.id, pid: row.pid });
      // requests wait for adoption: let xterm finish parsing the replay (it parses asynchronously)
      const rt = this.live.get(row.name);
      if (rt) await new Promise<void>((r) => rt.model.write("", r));
      return "adopted";
    }
    if (this.exitFromFile(row)) return "exited";
    this.hooks.setState(row, "lost", "its PTY holder is gone and left no exit status");
    this.hooks.ctx.events.append("runtime.lost", row.name, { id: row.id });
    return "lost";
  }

  private exitFromFile(row: RuntimeRow): boolean {
    try {
      const e = JSON.parse(fs.readFileSync(path.join(this.dirOf(row.id), "exit.json"), "utf8")) as HolderExit;
      this.markExited(row, e);
      return true;
    } catch {
      return false;
    }
  }

  private holderGone(rt: LiveRuntime): void {
    this.live.delete(rt.row.name);
    if (!this.exitFromFile(rt.row)) {
      this.hooks.setState(rt.row, "lost", "its PTY holder went away");
      this.hooks.ctx.events.append("runtime.lost", rt.row.name, { id: rt.row.id });
    }
  }

  private recordExit(rt: LiveRuntime, e: HolderExit): void {
    this.hooks.sessionFromScreen?.(rt.row, rt.model.view());
    rt.row.bytes_out = e.total_bytes;
    this.markExited(rt.row, e);
    rt.link?.release();
  }

  private markExited(row: RuntimeRow, e: HolderExit): void {
    Object.assign(row, { exit_code: e.exit_code, exit_signal: e.signal || null, exited_at: e.exited_at, bytes_out: e.total_bytes });
    this.hooks.registry.update(row.id, { exit_code: row.exit_code, exit_signal: row.exit_signal, exited_at: e.exited_at, bytes_out: e.total_bytes });
    const why = e.signal ? `process killed by signal ${e.signal}` : `process exited with code ${e.exit_code}`;
    this.hooks.setState(row, "exited", why);
    this.hooks.ctx.events.append("runtime.exited", row.name, { id: row.id, exit_code: e.exit_code, signal: e.signal || null, bytes: e.total_bytes });
  }

  private scheduleEval(rt: LiveRuntime, ms = this.hooks.cfg().state_debounce_ms): void {
    if (this.evalTimers.has(rt.row.name)) return;
    const t = setTimeout(() => {
      this.evalTimers.delete(rt.row.name);
      this.evaluate(rt);
    }, ms);
    this.evalTimers.set(rt.row.name, t);
  }

  /** What the agent's detector says about the screen right now (not yet recorded). */
  private detectNow(rt: LiveRuntime): DetectedState {
    return detectLive(rt, (rt.detect ??= this.hooks.detector(rt.row)));
  }

  /** Asks the agent's detector what the screen says (once the model has parsed what came: see LiveRuntime.settled), and records a change with its reason (settled states: see state-detector.ts). */
  private evaluate(rt: LiveRuntime): void {
    if (rt.exited || TERMINAL.has(rt.row.state) || !rt.replayed) return;
    void rt.settled().then(() => this.record(rt));
  }

  private record(rt: LiveRuntime): void {
    if (rt.exited || TERMINAL.has(rt.row.state) || this.live.get(rt.row.name) !== rt) return;
    const d = this.detectNow(rt);
    if (d.state === "exited") return; // only the holder's exit report ends a runtime
    const settleMs = this.hooks.cfg().state_settle_ms;
    const s = settle(rt.memory, rt.row.state, d, Date.now(), settleMs);
    if (s) this.hooks.setState(rt.row, s.state, s.why);
    else this.scheduleEval(rt, settleMs + 10);
  }

  poll(): void {
    for (const rt of this.live.values()) this.evaluate(rt);
  }

  /** Refreshes heartbeat, output counters and times of everything the daemon holds. */
  recordHeartbeat(): void {
    const now = new Date().toISOString();
    this.hooks.ctx.db.transaction(() => {
      for (const rt of this.live.values()) {
        if (rt.exited) continue;
        rt.row.heartbeat_at = now;
        const { bytes_out, last_output_at, last_human_input_at } = rt.row;
        this.hooks.registry.update(rt.row.id, { heartbeat_at: now, bytes_out, last_output_at, last_human_input_at });
      }
    })();
  }

  async screen(row: RuntimeRow, opts: { ansi: boolean; scrollback: number }): Promise<ScreenResult> {
    const rt = this.liveOf(row);
    await rt.settled();
    const v = rt.model.view();
    return {
      name: row.name,
      state: rt.row.state,
      why: rt.row.why,
      cols: v.cols,
      rows: v.rows,
      cursor: v.cursor,
      alt_screen: v.altScreen,
      bracketed_paste: v.bracketedPaste,
      title: v.title,
      lines: v.lines,
      ...(opts.scrollback > 0 ? { scrollback: rt.model.scrollback(opts.scrollback) } : {}),
      ...(opts.ansi ? { ansi: rt.model.ansi() } : {}),
    };
  }

  async send(row: RuntimeRow, o: SendOptions): Promise<SendResult> {
    const rt = this.liveOf(row, { running: true });
    await rt.settled();
    // a send waits for readiness by the screen: an agent whose bridge is not up yet is not ready either
    const detect = (): DetectedState => {
      const s = this.detectNow(rt);
      return s.state !== "starting" && this.hooks.heldForBridge(rt.row) ? { ...s, state: "starting", why: `${s.why}; ${HELD_FOR_BRIDGE}` } : s;
    };
    return deliver(rt, o, { adapter: this.hooks.adapter(rt.row), detect });
  }

  input(row: RuntimeRow, data: string, human: boolean): number {
    const rt = this.liveOf(row, { running: true });
    if (human) this.humanInput(rt);
    rt.link?.input(data);
    return Buffer.byteLength(data);
  }

  private humanInput(rt: LiveRuntime): void {
    const now = new Date();
    const prev = rt.row.last_human_input_at ? Date.parse(rt.row.last_human_input_at) : 0;
    rt.row.last_human_input_at = now.toISOString();
    // One write a second is enough for collision control; the in-memory value is exact.
    if (now.getTime() - prev > 1000) this.hooks.registry.update(rt.row.id, { last_human_input_at: rt.row.last_human_input_at });
  }

  async attach(row: RuntimeRow, conn: Connection): Promise<AttachResult> {
    const rt = this.liveOf(row, { running: true });
    const snapshot = await rt.attach(conn);
    return { snapshot, cols: rt.model.cols, rows: rt.model.rows, state: rt.row.state };
  }

  detach(row: RuntimeRow, conn: Connection): boolean {
    return this.liveOf(row).detach(conn);
  }

  async resize(row: RuntimeRow, cols: number, rows: number): Promise<void> {
    const rt = this.liveOf(row, { running: true });
    // output from before the resize is laid out at the old size
    await rt.settled();
    rt.model.resize(cols, rows);
    rt.link?.resize(cols, rows);
    rt.row.cols = cols;
    rt.row.rows = rows;
    this.hooks.registry.update(rt.row.id, { cols, rows });
  }

  signal(row: RuntimeRow, signal: string, timeoutMs: number): Promise<boolean> {
    return this.signalLive(row, signal).waitExit(timeoutMs);
  }

  /** Sends a signal through the holder; the live runtime lets the caller wait for the exit. */
  signalLive(row: RuntimeRow, signal: string): LiveRuntime {
    const rt = this.liveOf(row, { running: true });
    rt.link?.signal(signal);
    return rt;
  }

  forget(row: RuntimeRow): void {
    this.live.get(row.name)?.dispose();
    this.live.delete(row.name);
  }

  shutdown(): void {
    this.stopping = true;
    for (const t of this.evalTimers.values()) clearTimeout(t);
    this.recordHeartbeat();
    for (const rt of this.live.values()) rt.dispose();
    this.live.clear();
  }
}
