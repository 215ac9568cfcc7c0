import { SwarmError } from "../../protocol/errors.js";
import type { CustomDetector } from "../../protocol/methods/runtime.js";
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import type { AgentKind, AgentState, DetectContext, DetectedState, ScreenView } from "./adapters/types.js";

export type DetectFn = (screen: ScreenView, ctx: DetectContext) => DetectedState;

const QUIET_MS = 1500;

/** Used where no adapter can judge an agent: output activity and exit only. */
export const fallbackDetect: DetectFn = (_screen, ctx) => {
  if (ctx.exited) return { state: "exited", why: `fallback: process exited (code ${ctx.exitCode ?? "?"})` };
  if (ctx.msSinceOutput < QUIET_MS) return { state: "working", why: `fallback: output within the last ${QUIET_MS} ms` };
  return { state: "idle", why: `fallback: no output for ${QUIET_MS} ms` };
};

/** The adapter's argv to start an agent kind (pinning the session id when the CLI allows). */
export function agentStartCommand(kind: AgentKind, sessionId: string | undefined): string[] | null {
  try {
    return ADAPTERS[kind]?.startCommand(sessionId ? { sessionId } : {}) ?? null;
  } catch (err) {
    // an adapter refusing the session id (e.g. not a UUID) says why
    if (err instanceof SwarmError) throw err;
    return null;
  }
}

export type DetectorLookup = (kind: AgentKind, custom: CustomDetector | null) => DetectFn;

/** Each agent kind's detector from its adapter (custom rules compiled on lookup); one that cannot be built falls back. */
export const detectorOf: DetectorLookup = (kind, custom) => {
  try {
    const a = custom && kind === "custom" ? adapterFor(kind, custom) : ADAPTERS[kind];
    if (a) return (s, c) => a.detect(s, c);
  } catch {
    // an adapter that cannot be built must not take the runtime down
  }
  return fallbackDetect;
};

/** What the detector loop remembers about one runtime between evaluations. */
export interface StateMemory {
  /** an adapter's screen rule has recognised the program once (it left `starting` for good) */
  ready: boolean;
  /** a switch between idle and working seen, not yet recorded: since when */
  pending: { state: AgentState; since: number } | null;
}

export function newStateMemory(current: string): StateMemory {
  return { ready: current !== "starting", pending: null };
}

const FLAPPY: ReadonlySet<string> = new Set(["idle", "working"]);

/**
 * The state to record, given the current one and a fresh detection: a switch between idle
 * and working must hold for `settleMs` first (typing into a draft redraws the screen on
 * every key, a spinner pauses between frames: neither should flip the state each time);
 * every other change (approval, exit, input wanted) is recorded at once. Null: keep the
 * current state (only its why may be refreshed by the caller).
 */
export function settle(mem: StateMemory, current: string, d: DetectedState, now: number, settleMs: number): DetectedState | null {
  if (d.state !== "starting") mem.ready = true;
  if (d.state === current || !FLAPPY.has(current) || !FLAPPY.has(d.state) || settleMs <= 0) {
    mem.pending = null;
    return d;
  }
  if (!mem.pending || mem.pending.state !== d.state) mem.pending = { state: d.state, since: now };
  if (now - mem.pending.since < settleMs) return null;
  mem.pending = null;
  return d;
}
