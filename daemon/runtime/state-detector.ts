import { SwarmError } from "../../protocol/errors.js";
import type { CustomDetector } from "../../protocol/methods/runtime.js";
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import type { AgentKind, DetectContext, DetectedState, ScreenView } from "./adapters/types.js";

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
