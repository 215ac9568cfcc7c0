import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { DaemonContext } from "../context.js";
import type { Connection } from "../rpc/handler.js";
import type { AgentKind } from "./adapters/types.js";
import type {
  AdoptOutcome,
  AttachResult,
  BackendHooks,
  BackendInfo,
  Launch,
  RuntimeBackend,
  ScreenResult,
  SendOptions,
  SendResult,
  StartParams,
} from "./backend.js";
import type { RuntimeBridge, RuntimeEnvAccess } from "./env-access.js";
import { HolderBackend } from "./holder-backend.js";
import { assertOnPath } from "./program-check.js";
import { capability } from "./refusal.js";
import { RuntimeRegistry, type RuntimeRow } from "./registry.js";
import { agentStartCommand, detectorOf } from "./state-detector.js";
import { TmuxBackend } from "./tmux-backend.js";
import { UnmanagedRuntimes } from "./unmanaged.js";

export type { StartParams };

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);

/**
 * Owns every runtime through its backend (backend.ts): keeps the registry in step, starts
 * programs, adopts them again after a restart, and routes each operation to the backend
 * that owns the runtime, through `capability()` so what a backend lacks is refused in one
 * place, by its feature flags. Nothing here knows which backend is which.
 */
export class RuntimeManager {
  readonly registry: RuntimeRegistry;
  readonly holder: HolderBackend;
  /** runtimes in tmux sessions (pty_backend "tmux"), managed or observed */
  readonly tmux: TmuxBackend;
  readonly unmanaged: UnmanagedRuntimes;
  /** every backend; exactly one owns each row */
  private readonly backends: RuntimeBackend[];
  private stopping = false;
  // Pending until start-up adoption has run: the socket listens before domains start, and a
  // request in that gap must not see a survivor as unlinked.
  private adopted!: () => void;
  private readonly adopting: Promise<unknown> = new Promise<void>((r) => (this.adopted = r));

  constructor(
    private readonly ctx: DaemonContext,
    private readonly envs: RuntimeEnvAccess,
    private readonly bridge: RuntimeBridge = () => null,
  ) {
    this.registry = new RuntimeRegistry(ctx.db);
    const hooks: BackendHooks = {
      ctx,
      registry: this.registry,
      setState: (row, state, why) => this.setState(row, state, why),
      detector: (row) => detectorOf(row.agent as AgentKind, row.detector),
      cfg: () => this.cfg(),
      forget: (row) => this.forget(row),
    };
    this.holder = new HolderBackend(hooks, (id) => this.holderDir(id));
    this.tmux = new TmuxBackend(hooks);
    this.unmanaged = new UnmanagedRuntimes(hooks);
    this.backends = [this.holder, this.tmux, this.unmanaged];
  }

  /** Resolves once runtimes that survived a restart are linked again; requests wait for it. */
  ready(): Promise<unknown> {
    return this.adopting;
  }

  cfg(): RuntimeConfig {
    return RuntimeConfig.parse((this.ctx.cfg() as { runtime?: unknown }).runtime);
  }

  holderDir(id: string): string {
    return path.join(this.ctx.paths.dataDir, "runtimes", id);
  }

  /** The backend that owns a row (the unmanaged one holds whatever no other does). */
  backendOf(row: RuntimeRow): RuntimeBackend {
    return this.backends.find((b) => b.owns(row)) ?? this.unmanaged;
  }

  /** What a runtime supports, from its backend. */
  info(row: RuntimeRow): BackendInfo {
    return this.backendOf(row).info(row);
  }

  /** The record, freshest copy first, or NOT_FOUND naming how to list what exists. */
  row(name: string): RuntimeRow {
    const r = this.registry.get(name);
    if (!r) throw new SwarmError("NOT_FOUND", `no runtime named ${JSON.stringify(name)}`, { hint: "see `swarmctl runtime list`" });
    return this.backendOf(r).current(name) ?? r;
  }

  list(): RuntimeRow[] {
    return this.registry.list().map((r) => this.backendOf(r).current(r.name) ?? r);
  }

  async start(p: StartParams): Promise<RuntimeRow> {
    if (this.stopping) throw new SwarmError("UNAVAILABLE", "the daemon is shutting down");
    const existing = this.registry.get(p.name);
    if (existing && !TERMINAL.has(existing.state)) {
      throw new SwarmError("CONFLICT", `runtime ${p.name} already exists and is ${existing.state}`, {
        hint: `pick another name, or stop it first: \`swarmctl runtime stop ${p.name}\``,
      });
    }
    checkDetector(p);
    const backend = this.backends.find((b) => b.kind === p.backend && b.start);
    if (!backend?.start)
      throw new SwarmError("INVALID_ARGUMENT", `runtimes cannot be started with backend ${p.backend}`, { hint: "use --backend holder or tmux" });
    const launch = await this.launchOf(p);
    if (existing) this.forget(existing);
    return backend.start({ ...p, command: launch.command }, launch);
  }

  /** The command, directory and variables a program starts with, checked before anything is spawned. */
  private async launchOf(p: StartParams): Promise<Launch & { command: string[] }> {
    let command = p.command;
    // started with the adapter's own command (no argv given): the agent itself, bridge wiring applies
    const ownStart = command.length === 0;
    if (command.length === 0) {
      const argv = p.agent === "custom" ? null : agentStartCommand(p.agent as AgentKind, p.session_id);
      if (!argv) {
        throw new SwarmError("INVALID_ARGUMENT", `no command given and agent ${p.agent} has no start command`, {
          hint: `swarmctl runtime start ${p.name} -- COMMAND [ARGS…]`,
        });
      }
      command = argv;
    }
    // On the host the program is exec'd with this PATH (see holder-spawn childEnv); inside an environment the provider finds it.
    // Checked before the bridge mints a token for a runtime that would never start.
    if (!p.env) assertOnPath(command[0]!, p.vars?.PATH ?? process.env.PATH ?? "", p.name);
    // the agent CLI itself (not a wrapper the user named) gets the thread bridge
    const wiring = ownStart || path.basename(command[0]!) === p.agent ? this.bridge({ name: p.name, agent: p.agent }) : null;
    if (wiring) command = [...command, ...wiring.args];
    const host = p.env ? await this.envs.ptyCommand(p.env, command, p.cwd) : null;
    const cwd = host ? host.cwd : path.resolve(p.cwd ?? this.ctx.paths.home);
    if (!host && (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())) {
      throw new SwarmError("INVALID_ARGUMENT", `working directory ${cwd} does not exist or is not a directory`, {
        hint: "pass an existing directory with --cwd",
      });
    }
    const vars = { ...host?.env, ...wiring?.env, ...p.vars };
    return { command, cwd, argv: host ? [host.file, ...host.args] : command, vars };
  }

  /** After a restart: every backend picks up the runtimes it owns (see RuntimeBackend.adopt). */
  adoptAll(): Promise<{ adopted: number; exited: number; lost: number }> {
    const p = this.adoptAllNow();
    void p.finally(() => this.adopted());
    return p;
  }

  private async adoptAllNow(): Promise<{ adopted: number; exited: number; lost: number }> {
    const n = { adopted: 0, exited: 0, lost: 0 };
    const outcomes: AdoptOutcome[] = await Promise.all(this.registry.list().map((row) => this.backendOf(row).adopt(row)));
    for (const o of outcomes) if (o !== "skipped") n[o]++;
    return n;
  }

  private setState(row: RuntimeRow, state: RuntimeRow["state"], why: string): void {
    if (row.state === state && row.why === why) return;
    const previous = row.state;
    row.state = state;
    row.why = why;
    this.registry.update(row.id, { state, why });
    if (previous !== state) this.ctx.events.append("runtime.state", row.name, { id: row.id, state, previous, why });
  }

  evaluateAll(): void {
    for (const b of this.backends) b.poll();
  }

  heartbeat(): void {
    for (const b of this.backends) b.recordHeartbeat?.();
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

  // The operations, each through the owning backend's capability (refused by its flags).

  screen(name: string, opts: { ansi: boolean; scrollback: number }): Promise<ScreenResult> {
    const row = this.row(name);
    return capability(this.backendOf(row), row, "screen")(row, opts);
  }

  /** Delivers text; the outcome (delivered / not_confirmed, why) has one shape for every backend. */
  send(name: string, o: SendOptions): Promise<SendResult> {
    const row = this.row(name);
    return capability(this.backendOf(row), row, "send")(row, o);
  }

  /** The send options of a request, with the configured defaults filled in. */
  sendOptions(p: { text: string; enter: boolean; enter_delay_ms?: number | undefined; confirm_timeout_ms?: number | undefined }): SendOptions {
    const cfg = this.cfg();
    return {
      text: p.text,
      enter: p.enter,
      enterDelayMs: p.enter_delay_ms ?? cfg.enter_delay_ms,
      confirmTimeoutMs: p.confirm_timeout_ms ?? cfg.confirm_timeout_ms,
    };
  }

  input(name: string, data: string, human: boolean): number {
    const row = this.row(name);
    return capability(this.backendOf(row), row, "input")(row, data, human);
  }

  attach(name: string, conn: Connection): AttachResult {
    const row = this.row(name);
    return capability(this.backendOf(row), row, "attach")(row, conn);
  }

  detach(name: string, conn: Connection): boolean {
    const row = this.row(name);
    const b = this.backendOf(row);
    capability(b, row, "attach");
    return b.detach?.(row, conn) ?? false;
  }

  async resize(name: string, cols: number, rows: number): Promise<void> {
    const row = this.row(name);
    await capability(this.backendOf(row), row, "resize")(row, cols, rows);
  }

  /** Sends `signal` and waits up to `timeoutMs` for the runtime to end; true once it has. */
  kill(name: string, signal: string, timeoutMs: number): Promise<boolean> {
    const row = this.row(name);
    return capability(this.backendOf(row), row, "signal")(row, signal, timeoutMs);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(name: string, timeoutMs: number): Promise<void> {
    if (!(await this.kill(name, "SIGTERM", timeoutMs))) await this.kill(name, "SIGKILL", 5000);
  }

  remove(name: string): void {
    const row = this.row(name);
    // an unmanaged runtime is only our record of someone else's program: forgetting it stops nothing
    if (!TERMINAL.has(row.state) && row.management === "managed") {
      throw new SwarmError("INVALID_TRANSITION", `runtime ${name} is ${row.state}; stop it before removing it`, { hint: `swarmctl runtime stop ${name}` });
    }
    this.forget(row);
  }

  /** Drops a runtime entirely: its backend's live state, the row, its files. */
  forget(row: RuntimeRow): void {
    this.backendOf(row).forget(row);
    this.registry.remove(row.id);
    fs.rmSync(this.holderDir(row.id), { recursive: true, force: true });
  }

  recordings(row: RuntimeRow): string[] {
    const dir = path.join(this.holderDir(row.id), "recording");
    if (!fs.existsSync(dir)) return [];
    const idx = (f: string) => (f === "output.cast" ? 0 : Number(f.split(".")[1]));
    return fs
      .readdirSync(dir)
      .filter((f) => /^output(\.\d+)?\.cast$/.test(f))
      .sort((a, b) => idx(b) - idx(a))
      .map((f) => path.join(dir, f));
  }

  /** Graceful shutdown: drop the links, leave every program running. */
  shutdown(): void {
    this.stopping = true;
    for (const b of this.backends) b.shutdown();
  }
}

/** Custom detector rules: valid regexes, and only for agent custom. */
function checkDetector(p: StartParams): void {
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
}
