import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { z } from "zod";
import type { runtimeStart } from "../../protocol/methods/runtime.js";
import type { DaemonContext } from "../context.js";
import type { AgentKind } from "./adapters/types.js";
import type { HolderExit } from "./holder/frames.js";
import { envCommand, holderTail, spawnHolder } from "./holder-spawn.js";
import { HolderLink } from "./holder-link.js";
import { LiveRuntime } from "./live-runtime.js";
import { RuntimeRegistry, type RuntimeRow } from "./registry.js";
import { TmuxBackend } from "./tmux-backend.js";
import { agentStartCommand, fallbackDetect, type DetectorLookup } from "./state-detector.js";

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);

export type StartParams = z.output<typeof runtimeStart.params>;

/**
 * Owns every runtime: spawns PTY holders, links to them (again after a restart), keeps the
 * registry in step, and re-evaluates each runtime's state on output and on a timer.
 */
export class RuntimeManager {
  readonly registry: RuntimeRegistry;
  /** runtimes in tmux sessions (pty_backend "tmux"), managed or observed */
  readonly tmux: TmuxBackend;
  private readonly live = new Map<string, LiveRuntime>();
  private detectorFor: DetectorLookup = () => fallbackDetect;
  private stopping = false;
  // Pending until start-up adoption has run: the socket listens before domains start, and a
  // request in that gap must not see a survivor as unlinked.
  private adopted!: () => void;
  private adopting: Promise<unknown> = new Promise<void>((r) => (this.adopted = r));

  /** Resolves once runtimes that survived a restart are linked again; requests wait for it. */
  ready(): Promise<unknown> {
    return this.adopting;
  }

  constructor(private readonly ctx: DaemonContext) {
    this.registry = new RuntimeRegistry(ctx.db);
    this.tmux = new TmuxBackend(ctx, {
      registry: this.registry,
      setState: (row, state, why) => this.setState(row, state, why),
      detector: (row) => this.detectorFor(row.agent as AgentKind, row.detector),
      cfg: () => this.cfg(),
      forget: (row) => this.forget(row),
    });
  }

  cfg(): RuntimeConfig {
    return RuntimeConfig.parse((this.ctx.cfg() as { runtime?: unknown }).runtime);
  }

  setDetectors(fn: DetectorLookup): void {
    this.detectorFor = fn;
  }

  holderDir(id: string): string {
    return path.join(this.ctx.paths.dataDir, "runtimes", id);
  }
  recordingDir(id: string): string {
    return path.join(this.holderDir(id), "recording");
  }

  /** The record, or NOT_FOUND naming how to list what exists. */
  row(name: string): RuntimeRow {
    const r = this.live.get(name)?.row ?? this.registry.get(name);
    if (!r) throw new SwarmError("NOT_FOUND", `no runtime named ${JSON.stringify(name)}`, { hint: "see `swarmctl runtime list`" });
    return r;
  }

  /** The live runtime (the daemon holds its link), or an error saying why there is none. */
  liveOf(name: string, opts: { running?: boolean } = {}): LiveRuntime {
    const row = this.row(name);
    const rt = this.live.get(name);
    if (!rt) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${name} is ${row.state}; its terminal is gone`, {
        hint: `see its recording with \`swarmctl logs ${name}\``,
        details: { state: row.state },
      });
    }
    if (opts.running && rt.exited) {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${name} has exited (code ${rt.exit?.exit_code ?? "?"})`, {
        hint: `start it again with \`swarmctl runtime start ${name} …\` after \`swarmctl runtime remove ${name}\``,
        details: { state: row.state },
      });
    }
    return rt;
  }

  list(): RuntimeRow[] {
    return this.registry.list().map((r) => this.live.get(r.name)?.row ?? r);
  }

  async start(p: StartParams): Promise<RuntimeRow> {
    if (this.stopping) throw new SwarmError("UNAVAILABLE", "the daemon is shutting down");
    const existing = this.registry.get(p.name);
    if (existing && !TERMINAL.has(existing.state)) {
      throw new SwarmError("CONFLICT", `runtime ${p.name} already exists and is ${existing.state}`, {
        hint: `pick another name, or stop it first: \`swarmctl runtime stop ${p.name}\``,
      });
    }
    p.detector?.rules.forEach((rule, i) => {
      try {
        new RegExp(rule.pattern, "m");
      } catch (err) {
        throw new SwarmError("INVALID_ARGUMENT", `detector rule ${i}: ${JSON.stringify(rule.pattern)} is not a valid regex: ${(err as Error).message}`, {
          hint: "write patterns as JavaScript regular expression sources",
        });
      }
    });
    if (p.detector && p.agent !== "custom") {
      throw new SwarmError("INVALID_ARGUMENT", `detector rules apply to agent custom, not ${p.agent}`, { hint: "pass agent: custom, or drop the rules" });
    }
    if (p.command.length === 0) {
      const argv = p.agent === "custom" ? null : await agentStartCommand(p.agent as AgentKind, p.session_id);
      if (!argv) {
        throw new SwarmError("INVALID_ARGUMENT", `no command given and agent ${p.agent} has no start command`, {
          hint: `swarmctl runtime start ${p.name} -- COMMAND [ARGS…]`,
        });
      }
      p = { ...p, command: argv };
    }
    const host = p.env ? await envCommand(this.ctx, p.env, p.command, p.cwd) : null;
    const cwd = host ? host.cwd : path.resolve(p.cwd ?? this.ctx.paths.home);
    if (!host && (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())) {
      throw new SwarmError("INVALID_ARGUMENT", `working directory ${cwd} does not exist or is not a directory`, {
        hint: "pass an existing directory with --cwd",
      });
    }
    if (existing) this.forget(existing);
    if (p.backend === "tmux") {
      return this.tmux.start(p, { cwd, argv: host ? [host.file, ...host.args] : p.command, vars: { ...host?.env, ...p.vars } });
    }
    const id = "rt-" + randomBytes(6).toString("hex");
    const dir = this.holderDir(id);
    const { holder, socket } = spawnHolder(this.ctx, this.cfg(), {
      id,
      name: p.name,
      dir,
      cwd,
      cols: p.cols,
      rows: p.rows,
      command: host ? [host.file, ...host.args] : p.command,
      vars: { ...host?.env, ...p.vars },
    });
    const now = new Date().toISOString();
    const row: RuntimeRow = {
      id,
      name: p.name,
      environment: p.env ?? null,
      cwd,
      agent: p.agent,
      command: p.command,
      session_id: p.session_id ?? null,
      pid: null,
      holder_pid: holder.pid ?? null,
      holder_socket: socket,
      pty_backend: "holder",
      target: null,
      management: "managed",
      state: "starting",
      why: "holder spawned",
      exit_code: null,
      exit_signal: null,
      cols: p.cols,
      rows: p.rows,
      bytes_out: 0,
      heartbeat_at: now,
      last_output_at: null,
      last_human_input_at: null,
      created_at: now,
      updated_at: now,
      exited_at: null,
      detector: p.detector ?? null,
    };
    this.registry.insert(row);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await this.link(row)) break;
      if (Date.now() > deadline || holder.exitCode !== null) {
        const err = holderTail(dir);
        this.setState(row, "lost", "the PTY holder did not come up");
        throw new SwarmError("UNAVAILABLE", `the PTY holder for ${p.name} did not start${err ? `: ${err}` : ""}`, {
          hint: "check that the command exists and see the daemon log",
        });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    this.ctx.events.append("runtime.started", p.name, { id, command: p.command, cwd, agent: p.agent, pid: row.pid });
    return row;
  }

  /** Links to a holder and rebuilds the screen from its replay; false when nobody answers. */
  private async link(row: RuntimeRow): Promise<boolean> {
    if (!row.holder_socket) return false;
    const rt = this.live.get(row.name) ?? new LiveRuntime(row, this.cfg().scrollback);
    let ready!: () => void;
    const replayed = new Promise<void>((r) => (ready = r));
    try {
      rt.link = await HolderLink.connect(row.holder_socket, {
        info: (info) => {
          rt.resetFrom(info);
          rt.row.pid = info.child_pid;
          rt.row.holder_pid = info.holder_pid;
        },
        replay: (c) => rt.replay(c),
        replayEnd: () => {
          rt.replayed = true;
          ready();
        },
        data: (c) => rt.data(c),
        exit: (e) => rt.exited_(e),
        close: () => {
          ready();
          if (!this.stopping && !rt.exited && this.live.get(row.name) === rt) void this.holderGone(rt);
        },
      });
    } catch {
      return false;
    }
    rt.onOutput = () => this.scheduleEval(rt);
    rt.onExit = (e) => this.recordExit(rt, e);
    this.live.set(row.name, rt);
    await replayed;
    this.registry.update(row.id, {
      pid: rt.row.pid,
      holder_pid: rt.row.holder_pid,
      cols: rt.row.cols,
      rows: rt.row.rows,
      heartbeat_at: new Date().toISOString(),
    });
    return true;
  }

  /** After a restart: link to every holder still alive; mark the rest exited (with status) or lost. */
  adoptAll(): Promise<{ adopted: number; exited: number; lost: number }> {
    const p = this.adoptAllNow();
    void p.finally(() => this.adopted());
    return p;
  }

  private async adoptAllNow(): Promise<{ adopted: number; exited: number; lost: number }> {
    const n = { adopted: 0, exited: 0, lost: 0 };
    await Promise.all(
      this.registry.list().map(async (row) => {
        if (row.pty_backend === "tmux") {
          const r = await this.tmux.adopt(row);
          if (r !== "skipped") n[r]++;
          return;
        }
        if (TERMINAL.has(row.state) || row.management !== "managed") return;
        if (await this.link(row)) {
          n.adopted++;
          this.ctx.events.append("runtime.adopted", row.name, { id: row.id, pid: row.pid });
          // requests wait for adoption: let xterm finish parsing the replay (it parses asynchronously)
          const rt = this.live.get(row.name);
          if (rt) await new Promise<void>((r) => rt.model.write("", r));
          return;
        }
        if (this.exitFromFile(row)) n.exited++;
        else {
          n.lost++;
          this.setState(row, "lost", "its PTY holder is gone and left no exit status");
          this.ctx.events.append("runtime.lost", row.name, { id: row.id });
        }
      }),
    );
    return n;
  }

  private exitFromFile(row: RuntimeRow): boolean {
    try {
      const e = JSON.parse(fs.readFileSync(path.join(this.holderDir(row.id), "exit.json"), "utf8")) as HolderExit;
      this.markExited(row, e);
      return true;
    } catch {
      return false;
    }
  }

  private async holderGone(rt: LiveRuntime): Promise<void> {
    this.live.delete(rt.row.name);
    if (!this.exitFromFile(rt.row)) {
      this.setState(rt.row, "lost", "its PTY holder went away");
      this.ctx.events.append("runtime.lost", rt.row.name, { id: rt.row.id });
    }
  }

  private recordExit(rt: LiveRuntime, e: HolderExit): void {
    rt.row.bytes_out = e.total_bytes;
    this.markExited(rt.row, e);
    rt.link?.release();
  }

  private markExited(row: RuntimeRow, e: HolderExit): void {
    Object.assign(row, { exit_code: e.exit_code, exit_signal: e.signal || null, exited_at: e.exited_at, bytes_out: e.total_bytes });
    this.registry.update(row.id, { exit_code: row.exit_code, exit_signal: row.exit_signal, exited_at: e.exited_at, bytes_out: e.total_bytes });
    const why = e.signal ? `process killed by signal ${e.signal}` : `process exited with code ${e.exit_code}`;
    this.setState(row, "exited", why);
    this.ctx.events.append("runtime.exited", row.name, { id: row.id, exit_code: e.exit_code, signal: e.signal || null, bytes: e.total_bytes });
  }

  private setState(row: RuntimeRow, state: RuntimeRow["state"], why: string): void {
    if (row.state === state && row.why === why) return;
    const previous = row.state;
    row.state = state;
    row.why = why;
    this.registry.update(row.id, { state, why });
    if (previous !== state) this.ctx.events.append("runtime.state", row.name, { id: row.id, state, previous, why });
  }

  private evalTimers = new Map<string, NodeJS.Timeout>();

  scheduleEval(rt: LiveRuntime): void {
    if (this.evalTimers.has(rt.row.name)) return;
    this.evalTimers.set(
      rt.row.name,
      setTimeout(() => {
        this.evalTimers.delete(rt.row.name);
        this.evaluate(rt);
      }, this.cfg().state_debounce_ms),
    );
  }

  /** Asks the agent's detector what the screen says, and records a change with its reason. */
  evaluate(rt: LiveRuntime): void {
    if (rt.exited || TERMINAL.has(rt.row.state) || !rt.replayed) return;
    const detect = (rt.detect ??= this.detectorFor(rt.row.agent as AgentKind, rt.row.detector));
    let d;
    try {
      d = detect(rt.model.view(), { msSinceOutput: Date.now() - rt.lastOutputMs, exited: false, exitCode: null });
    } catch (err) {
      d = { ...fallbackDetect(rt.model.view(), { msSinceOutput: Date.now() - rt.lastOutputMs, exited: false, exitCode: null }) };
      d.why += ` (detector failed: ${String(err)})`;
    }
    if (d.state === "exited") return; // only the holder's exit report ends a runtime
    this.setState(rt.row, d.state, d.why);
  }

  evaluateAll(): void {
    for (const rt of this.live.values()) this.evaluate(rt);
    void this.tmux.pollAll();
  }

  /** Refreshes heartbeat, output counters and times of everything the daemon holds. */
  heartbeat(): void {
    const now = new Date().toISOString();
    this.ctx.db.transaction(() => {
      for (const rt of this.live.values()) {
        if (rt.exited) continue;
        rt.row.heartbeat_at = now;
        rt.row.last_output_at = new Date(rt.lastOutputMs).toISOString();
        this.registry.update(rt.row.id, {
          heartbeat_at: now,
          bytes_out: rt.row.bytes_out,
          last_output_at: rt.row.last_output_at,
          last_human_input_at: rt.row.last_human_input_at,
        });
      }
    })();
  }

  /** Heartbeat policy: unmanaged records that stopped reporting are lost; old finished records go. */
  expire(): void {
    const cfg = this.cfg();
    const now = Date.now();
    for (const row of this.registry.list()) {
      if (row.management === "unmanaged" && !TERMINAL.has(row.state) && row.heartbeat_at && now - Date.parse(row.heartbeat_at) > cfg.stale_after_ms) {
        this.setState(row, "lost", `no heartbeat for ${cfg.stale_after_ms} ms`);
      } else if (cfg.expire_after_s > 0 && TERMINAL.has(row.state) && now - Date.parse(row.updated_at) > cfg.expire_after_s * 1000) {
        this.forget(row);
      }
    }
  }

  signal(name: string, signal: string): LiveRuntime {
    const rt = this.liveOf(name, { running: true });
    rt.link?.signal(signal);
    return rt;
  }

  humanInput(rt: LiveRuntime): void {
    const now = new Date();
    const prev = rt.row.last_human_input_at ? Date.parse(rt.row.last_human_input_at) : 0;
    rt.row.last_human_input_at = now.toISOString();
    // One write a second is enough for collision control; the in-memory value is exact.
    if (now.getTime() - prev > 1000) this.registry.update(rt.row.id, { last_human_input_at: rt.row.last_human_input_at });
  }

  resize(rt: LiveRuntime, cols: number, rows: number): void {
    rt.model.resize(cols, rows);
    rt.link?.resize(cols, rows);
    rt.row.cols = cols;
    rt.row.rows = rows;
    this.registry.update(rt.row.id, { cols, rows });
  }

  remove(name: string): void {
    const row = this.row(name);
    // an unmanaged runtime is only our record of someone else's program: forgetting it stops nothing
    if (!TERMINAL.has(row.state) && row.management === "managed") {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${name} is ${row.state}; stop it before removing it`, { hint: `swarmctl runtime stop ${name}` });
    }
    this.forget(row);
  }

  /** Drops a runtime entirely: live state, tmux tracking, row, holder files. */
  forget(row: RuntimeRow): void {
    this.tmux.forget(row);
    this.live.get(row.name)?.dispose();
    this.live.delete(row.name);
    this.registry.remove(row.id);
    fs.rmSync(this.holderDir(row.id), { recursive: true, force: true });
  }

  recordings(row: RuntimeRow): string[] {
    const dir = this.recordingDir(row.id);
    if (!fs.existsSync(dir)) return [];
    const idx = (f: string) => (f === "output.cast" ? 0 : Number(f.split(".")[1]));
    return fs
      .readdirSync(dir)
      .filter((f) => /^output(\.\d+)?\.cast$/.test(f))
      .sort((a, b) => idx(b) - idx(a))
      .map((f) => path.join(dir, f));
  }

  /** Graceful shutdown: drop the links, leave every holder (and agent) running. */
  shutdown(): void {
    this.stopping = true;
    for (const t of this.evalTimers.values()) clearTimeout(t);
    this.heartbeat();
    for (const rt of this.live.values()) rt.dispose();
    this.live.clear();
    this.tmux.shutdown();
  }
}
