/**
 * The one interface every runtime backend implements (holder, tmux, unmanaged), with its
 * contract written here. The manager and the RPC handlers only ever talk to a backend
 * through it: they ask `info(row)` what a runtime supports and never look at which
 * backend it is. test/runtime/backend-contract.ts checks every rule below against each
 * backend, through the real daemon.
 *
 * Shape (after Lima's driver): a small core every backend has (owns, info, adopt, poll,
 * forget, shutdown), and optional capabilities (`RuntimeCapabilities`), each announced by
 * a feature flag in `info(row).features`. A flag is true only when the capability's method
 * exists AND applies to that runtime (a tmux backend can type into a session it started,
 * not into a pane it only observes). Callers reach a capability only through
 * `capability()` in refusal.ts, the one place that refuses what a flag says is missing.
 */
import type { z } from "zod";
import type { RuntimeConfig } from "../../protocol/config/runtime.js";
import type { RuntimeFeature, RuntimeFeatures, ScreenResult as ScreenResultSchema, runtimeStart } from "../../protocol/methods/runtime.js";
import type { DaemonContext } from "../context.js";
import type { Connection } from "../rpc/handler.js";
import type { RuntimeRegistry, RuntimeRow } from "./registry.js";
import type { ScreenView } from "./adapters/types.js";
import type { SendOptions, SendResult } from "./send.js";
import type { DetectFn } from "./state-detector.js";
import type { AgentAdapter } from "./adapters/types.js";

export type { SendOptions, SendResult };
export type StartParams = z.output<typeof runtimeStart.params>;
export type ScreenResult = z.output<typeof ScreenResultSchema>;

/** The backends there are; shown to users (`pty_backend`, errors), never switched on. */
export type BackendKind = "holder" | "tmux" | "unmanaged";

/** Every optional capability, by its method name in RuntimeCapabilities (the protocol's one table). */
export type Feature = RuntimeFeature;

/** Capabilities that change the program or its terminal: never offered for runtimes swarm did not start. */
export const WRITE_FEATURES: ReadonlySet<Feature> = new Set(["send", "input", "attach", "resize", "signal"]);

export interface BackendInfo {
  backend: BackendKind;
  /** swarm started this runtime (it may write to it); false for observed or registered ones */
  managed: boolean;
  /** which optional capabilities apply to this runtime */
  features: RuntimeFeatures;
  /** said when a capability is missing: what the runtime is, e.g. "runs in tmux" */
  what: string;
  /** what to do instead of a missing capability (a command the user can run) */
  hint: string;
}

/** How a program is launched, once the manager has resolved its command, directory and environment. */
export interface Launch {
  /** record fields the manager decides: the id (it marks the program's process tree with it), variable names, generation */
  fields?: Pick<Partial<RuntimeRow>, "id" | "var_names" | "generation">;
  cwd: string;
  /** argv as run on the host (wrapped by the environment's provider when there is one) */
  argv: string[];
  vars: Record<string, string>;
  /** values masked in everything the runtime's output becomes (recording, screens, attach); empty with redact: false */
  redact: string[];
}

/** What an attach returns: the serialized screen to replay first, then the live stream follows. */
export interface AttachResult {
  snapshot: string;
  cols: number;
  rows: number;
  state: RuntimeRow["state"];
}

export type AdoptOutcome = "adopted" | "exited" | "lost" | "skipped";

/**
 * Optional capabilities. Each takes the runtime's current row. They are called only when
 * `info(row).features[name]` is true; they may still refuse on state (an exited runtime:
 * INVALID_TRANSITION naming its exit code).
 */
export interface RuntimeCapabilities {
  /** The screen as a terminal shows it now (rows trimmed), optionally scrollback and SGR ansi. */
  screen(row: RuntimeRow, opts: { ansi: boolean; scrollback: number }): Promise<ScreenResult>;
  /**
   * Delivers text as the program's input, Enter as its own key after `enterDelayMs`, then
   * confirms by reading the program's output. Never throws for an unconfirmed delivery:
   * the outcome is the result, in one shape for every backend (`delivered` when the text
   * showed up after the Enter, `not_confirmed` with why after `confirmTimeoutMs`).
   * Deliveries to one runtime never interleave.
   */
  send(row: RuntimeRow, o: SendOptions): Promise<SendResult>;
  /** Writes raw bytes (keys) to the terminal; `human` marks them as a person's (collision control). Returns bytes written. */
  input(row: RuntimeRow, data: string, human: boolean): number;
  /** Adds a viewer connection: a snapshot now, `runtime.output` notifications after it, `runtime.exit` at the end. */
  attach(row: RuntimeRow, conn: Connection): AttachResult | Promise<AttachResult>;
  /** Removes a viewer; false when it was not attached. */
  detach(row: RuntimeRow, conn: Connection): boolean;
  /** Resizes the terminal; the program sees SIGWINCH and the row's cols/rows follow. */
  resize(row: RuntimeRow, cols: number, rows: number): Promise<void>;
  /**
   * Sends a signal to the program and waits up to `timeoutMs` for it to end. Resolves true
   * once the runtime is `exited` (exit code or signal recorded), false when it still runs.
   */
  signal(row: RuntimeRow, signal: string, timeoutMs: number): Promise<boolean>;
}

export interface RuntimeBackend extends Partial<RuntimeCapabilities> {
  readonly kind: BackendKind;
  /** true when this backend holds the runtime of this row; exactly one backend owns each row */
  owns(row: RuntimeRow): boolean;
  /** What this runtime supports. Pure: no I/O, same answer for the same row. */
  info(row: RuntimeRow): BackendInfo;
  /** The in-memory row of a runtime it holds (fresher than the registry between heartbeats), if any. */
  current(name: string): RuntimeRow | undefined;
  /**
   * Capability: starts a program under this backend. Inserts the row (state `starting`),
   * appends `runtime.started`, resolves once the program runs.
   */
  start?(p: StartParams, how: Launch): Promise<RuntimeRow>;
  /**
   * After a daemon restart, for each row it owns: links to the runtime again when it is
   * still there ("adopted", `runtime.adopted`), records an exit that happened meanwhile
   * ("exited"), marks it lost when it is gone without a trace ("lost", `runtime.lost`), or
   * leaves it alone ("skipped": already finished, or kept alive by heartbeats instead).
   */
  adopt(row: RuntimeRow): Promise<AdoptOutcome>;
  /** Re-reads the state of every runtime it holds (on the manager's poll timer). */
  poll(): void;
  /** Writes counters and heartbeats of what it holds (on the manager's heartbeat timer). */
  recordHeartbeat?(): void;
  /** Drops its live state for the row; a managed session it started is ended, someone else's left alone. */
  forget(row: RuntimeRow): void;
  /** Daemon shutdown: drop links, leave every program running. */
  shutdown(): void;
}

/** What a backend needs from the manager: one registry, one state rule, one detector lookup. */
export interface BackendHooks {
  ctx: DaemonContext;
  registry: RuntimeRegistry;
  setState(row: RuntimeRow, state: RuntimeRow["state"], why: string): void;
  detector(row: RuntimeRow): DetectFn;
  /** the runtime is at its prompt but its agent's swarm bridge has not said hello yet (bridge-gate.ts): not ready for a prompt */
  heldForBridge(row: RuntimeRow): boolean;
  /** the runtime's agent adapter (input line, queued marker, enter delay, answer keys) */
  adapter(row: RuntimeRow): AgentAdapter;
  cfg(): RuntimeConfig;
  /** drops an ended runtime entirely (live state, row, files) so its name can be reused */
  forget(row: RuntimeRow): void;
  /** the final screen of a runtime that ended: the agent may have printed its session id there */
  sessionFromScreen?(row: RuntimeRow, view: ScreenView): void;
}

/** No capability: the base of a feature table. */
export const NO_FEATURES: Readonly<RuntimeFeatures> = { screen: false, send: false, input: false, attach: false, resize: false, signal: false };

/** The `runtime.started` event's data, the same for every backend that starts programs (a backend may add its name). */
export function startedEvent(row: Pick<RuntimeRow, "id" | "pid">, p: StartParams, how: Launch): Record<string, unknown> {
  return { id: row.id, command: p.command, cwd: how.cwd, agent: p.agent, pid: row.pid, ...(p.redact ? {} : { redact: false }) };
}
