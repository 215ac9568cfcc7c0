import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { DaemonContext } from "../context.js";
import type { Connection } from "../rpc/handler.js";
import type { AgentKind } from "./adapters/types.js";
import type { AdoptOutcome, AttachResult, BackendHooks, BackendInfo, RuntimeBackend, ScreenResult, SendOptions, SendResult, StartParams } from "./backend.js";
import type { RuntimeBridge, RuntimeEnvAccess, SecretValues } from "./env-access.js";
import { BridgeGate } from "./bridge-gate.js";
import { prepareLaunch, type PreparedLaunch } from "./launch.js";
import { HolderBackend } from "./holder-backend.js";
import { answerRuntime, sendGuarded, sendOptionsOf, type AnswerResult, type SendParams } from "./delivery.js";
import { adapterOfRuntime } from "./input-line.js";
import { HumanInputGate } from "./human-gate.js";
import { ProcessTrees, type EndResult } from "./process-tree.js";
import { checkDetector, listRecordings } from "./start-checks.js";
import { capability } from "./refusal.js";
import { RuntimeRegistry, newRowId, type RuntimeRow } from "./registry.js";
import { SessionRecorder } from "./session-recorder.js";
import { resumePlan, resumeStart, resumeVars } from "./sessions.js";
import { detectorOf } from "./state-detector.js";
import { TmuxBackend } from "./tmux-backend.js";
import { UnmanagedRuntimes } from "./unmanaged.js";

export type { StartParams, AnswerResult };

const TERMINAL: ReadonlySet<string> = new Set(["exited", "lost"]);
/** After a runtime's program ended, how long what it left behind gets between SIGTERM and SIGKILL. */
const TREE_GRACE_MS = 2000;

/**
 * Owns every runtime through its backend (backend.ts): keeps the registry in step, starts
 * programs, adopts them again after a restart, and routes each operation to the backend
 * that owns the runtime, through `capability()` so what a backend lacks is refused in one
 * place, by its feature flags. Nothing here knows which backend is which.
 */
export class RuntimeManager {
  readonly registry: RuntimeRegistry;
  /** human keystrokes on their way in: observed and, while a wake types, held (human-gate.ts) */
  readonly humanGate: HumanInputGate;
  readonly holder: HolderBackend;
  /** runtimes in tmux sessions (pty_backend "tmux"), managed or observed */
  readonly tmux: TmuxBackend;
  readonly unmanaged: UnmanagedRuntimes;
  /** every process of each runtime, so the whole tree ends with it */
  readonly trees: ProcessTrees;
  readonly sessions: SessionRecorder;
  /**
   * The variables each runtime name was started with, in memory only (values are never
   * stored), so a resume can pass them again while this daemon runs.
   */
  private readonly varsByName = new Map<string, Record<string, string>>();
  private readonly bridgeGate: BridgeGate;
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
    private readonly secretValues: SecretValues = () => [],
    trees?: ProcessTrees,
  ) {
    this.registry = new RuntimeRegistry(ctx.db);
    this.humanGate = new HumanInputGate(ctx.logger);
    this.bridgeGate = new BridgeGate(ctx.logger);
    this.trees = trees ?? new ProcessTrees();
    this.sessions = new SessionRecorder(ctx, this.registry, this.trees);
    const hooks: BackendHooks = {
      ctx,
      registry: this.registry,
      setState: (row, state, why) => this.setState(row, state, why),
      detector: (row) => detectorOf(row.agent as AgentKind, row.detector),
      adapter: (row) => adapterOfRuntime(row.agent as AgentKind, row.detector),
      cfg: () => this.cfg(),
      forget: (row) => this.forget(row),
      sessionFromScreen: (row, view) => this.sessions.fromScreen(row, view),
      heldForBridge: (row) => this.bridgeGate.holding(row.name),
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

  /** `redact` defaults to true for in-daemon callers too (the RPC schema defaults it), so nothing starts unmasked by omission. */
  async start(params: Omit<StartParams, "redact"> & { redact?: boolean }, generation = 1): Promise<RuntimeRow> {
    const p: StartParams = { ...params, redact: params.redact ?? true };
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
    const launch = await prepareLaunch(
      { home: this.ctx.paths.home, envs: this.envs, bridge: this.bridge, secretValues: this.secretValues, logger: this.ctx.logger },
      p,
    );
    // its agent CLI starts swarm's MCP bridge: it is not ready for a prompt before that bridge is (bridge-gate.ts)
    this.bridgeGate.expect(p.name, launch.mcp, this.cfg().bridge_wait_ms);
    // the ended record makes way for the new one (names are unique), but comes back if the start fails
    if (existing) {
      this.backendOf(existing).forget(existing);
      this.registry.remove(existing.id);
    }
    let row: RuntimeRow;
    try {
      row = await this.startNew(p, backend.start.bind(backend), launch, generation);
    } catch (err) {
      this.bridgeGate.cancel(p.name);
      if (existing && !this.registry.get(p.name)) this.registry.insert(existing);
      else if (existing) this.forgetFiles(existing); // a record of the failed start (lost, with why) took the name
      throw err;
    }
    if (existing) this.forgetFiles(existing);
    return row;
  }

  private async startNew(p: StartParams, start: NonNullable<RuntimeBackend["start"]>, launch: PreparedLaunch, generation: number): Promise<RuntimeRow> {
    // the id is chosen here so the program's tree can be marked (and grouped) before it runs
    const id = newRowId();
    const tree = this.trees.prepare(id, launch.argv);
    // names the caller gave (swarm's own SWARM_* context, set by the coordinator, is not the caller's)
    const fields = {
      id,
      var_names: Object.keys(p.vars ?? {})
        .filter((k) => !k.startsWith("SWARM_"))
        .sort(),
      generation,
      agent_id: p.agent_id ?? null,
    };
    const row = await start(
      { ...p, command: launch.command, session_id: launch.sessionId },
      { ...launch, fields, argv: tree.argv, vars: { ...launch.vars, ...tree.vars } },
    );
    if (p.vars && Object.keys(p.vars).length) this.varsByName.set(p.name, p.vars);
    else this.varsByName.delete(p.name);
    if (launch.sessionId) this.ctx.events.append("runtime.session", p.name, { id: row.id, session_id: launch.sessionId, how: "pinned at start" });
    return row;
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
    if (row.state === "starting" && state === "idle") {
      const gate = this.bridgeGate.gate(row.name, why);
      if (gate.hold) return this.setState(row, "starting", gate.why);
      why = gate.why;
    }
    if (row.state === state && row.why === why) return;
    const previous = row.state;
    row.state = state;
    row.why = why;
    this.registry.update(row.id, { state, why });
    if (previous !== state) this.ctx.events.append("runtime.state", row.name, { id: row.id, state, previous, why });
    // the program is gone (exited, or its holder vanished): what it left behind goes too
    if (TERMINAL.has(state) && !TERMINAL.has(previous) && row.management === "managed") void this.endTree(row, "SIGTERM");
  }

  /** bridge.hello from the runtime's `swarmctl mcp`: a runtime held for it may go idle now. */
  bridgeConnected(name: string): { runtime: string; waited_ms: number | null } {
    // a token someone minted by hand names a session that may be no runtime of ours
    const row = this.registry.get(name);
    if (!row) return { runtime: name, waited_ms: null };
    const waited_ms = this.bridgeGate.connected(name);
    this.ctx.events.append("runtime.bridge_connected", name, { id: row.id, waited_ms });
    if (waited_ms !== null) this.evaluateAll();
    return { runtime: name, waited_ms };
  }

  /** Ends whatever is left of a runtime's process tree (process-tree.ts); logs what it had to signal. */
  private async endTree(row: RuntimeRow, signal: NodeJS.Signals): Promise<EndResult> {
    const r = await this.trees.end({ id: row.id, pid: row.pid, createdAt: row.created_at, exclude: [row.holder_pid] }, signal, TREE_GRACE_MS);
    if (r.signalled.length) this.ctx.logger.info("runtime process tree ended", { name: row.name, id: row.id, signal, pids: r.signalled });
    if (r.left.length) this.ctx.logger.warn("runtime processes survived SIGKILL", { name: row.name, id: row.id, pids: r.left });
    return r;
  }

  evaluateAll(): void {
    for (const b of this.backends) b.poll();
    this.sessions.poll(this.list());
  }

  /**
   * Continues an ended runtime's agent session by its recorded id, as the next generation
   * under the same name (sessions.ts says which command). Variables: those given now, else
   * those it was started with while this daemon still holds them.
   */
  async resume(name: string, o: { prompt?: string | undefined; headless?: boolean | undefined; vars?: Record<string, string> | undefined }) {
    const row = this.row(name);
    const plan = resumePlan(row, o);
    const vars = resumeVars(row, o.vars ?? this.varsByName.get(name) ?? {});
    const next = await this.start(resumeStart(row, plan, vars), (row.generation ?? 1) + 1);
    this.ctx.events.append("runtime.resumed", name, {
      id: next.id,
      resumed_from: row.id,
      session_id: next.session_id,
      generation: next.generation,
      headless: plan.headless,
    });
    return { row: next, resumedFrom: row.id, headless: plan.headless };
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

  /** Delivers text (delivered / queued / not_confirmed / refused, one shape for every backend); never into an approval prompt. */
  send(name: string, o: SendOptions): Promise<SendResult> {
    const row = this.row(name);
    return sendGuarded(this.backendOf(row), row, o);
  }

  /** Answers the question the agent asks, on purpose (see delivery.ts). */
  answer(name: string, answer: string): Promise<AnswerResult> {
    const row = this.row(name);
    return answerRuntime(this.backendOf(row), row, answer, () => this.row(name));
  }

  /** The send options of a request, with the configured defaults filled in. */
  sendOptions(p: SendParams): SendOptions {
    return sendOptionsOf(this.cfg(), p);
  }

  input(name: string, data: string, human: boolean): number {
    const row = this.row(name);
    const write = capability(this.backendOf(row), row, "input");
    return human && this.humanGate.intercept(name, data) ? Buffer.byteLength(data) : write(row, data, human);
  }

  attach(name: string, conn: Connection): AttachResult | Promise<AttachResult> {
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

  /**
   * Sends `signal` and waits up to `timeoutMs` for the runtime to end; true once it has. Once
   * the program has ended, so has every process it left (SIGKILL: at once; else SIGTERM, then
   * SIGKILL after a grace), before this resolves.
   */
  async kill(name: string, signal: string, timeoutMs: number): Promise<boolean> {
    return (await this.killRow(name, signal, timeoutMs)).ended;
  }

  /**
   * kill, answering with the record of the runtime it signalled. Once that program ends, a
   * wake may resume the name as a new generation at once: the tree ended and the record
   * returned are the signalled one's, never the newcomer's.
   */
  async killRow(name: string, signal: string, timeoutMs: number): Promise<{ ended: boolean; row: RuntimeRow }> {
    const row = this.row(name);
    const backend = this.backendOf(row);
    const ended = await capability(backend, row, "signal")(row, signal, timeoutMs);
    const now = this.registry.get(name)?.id === row.id ? (backend.current(name) ?? row) : row;
    if (ended) await this.endTree(now, signal === "SIGKILL" ? "SIGKILL" : "SIGTERM");
    return { ended, row: now };
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; the whole process tree with it. */
  async stop(name: string, timeoutMs: number): Promise<RuntimeRow> {
    const first = await this.killRow(name, "SIGTERM", timeoutMs);
    return first.ended ? first.row : (await this.killRow(name, "SIGKILL", 5000)).row;
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
    this.forgetFiles(row);
  }

  /** What a record leaves besides its row and live state: its process group, session, files. */
  private forgetFiles(row: RuntimeRow): void {
    void this.trees.release(row.id);
    this.sessions.forget(row.id);
    fs.rmSync(this.holderDir(row.id), { recursive: true, force: true });
  }

  recordings(row: RuntimeRow): string[] {
    return listRecordings(path.join(this.holderDir(row.id), "recording"));
  }

  /** Graceful shutdown: drop the links, leave every program running. */
  shutdown(): void {
    this.stopping = true;
    for (const b of this.backends) b.shutdown();
  }
}
