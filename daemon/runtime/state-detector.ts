import type { CustomDetector } from "../../protocol/methods/runtime.js";
import type { AgentKind, DetectContext, DetectedState, ScreenView } from "./adapters/types.js";

export type DetectFn = (screen: ScreenView, ctx: DetectContext) => DetectedState;

const QUIET_MS = 1500;

/** Used until (or where) no adapter exists for an agent kind: output activity and exit only. */
export const fallbackDetect: DetectFn = (_screen, ctx) => {
  if (ctx.exited) return { state: "exited", why: `fallback: process exited (code ${ctx.exitCode ?? "?"})` };
  if (ctx.msSinceOutput < QUIET_MS) return { state: "working", why: `fallback: output within the last ${QUIET_MS} ms` };
  return { state: "idle", why: `fallback: no output for ${QUIET_MS} ms` };
};

/** The adapter's argv to start an agent kind (pinning the session id when the CLI allows). */
export async function agentStartCommand(kind: AgentKind, sessionId: string | undefined): Promise<string[] | null> {
  try {
    const spec = "./adapters/index.js";
    const mod = (await import(spec)) as { getAdapter?: (k: AgentKind) => { startCommand(o: { sessionId?: string }): string[] } | undefined };
    return mod.getAdapter?.(kind)?.startCommand(sessionId ? { sessionId } : {}) ?? null;
  } catch (err) {
    // an adapter refusing the session id (e.g. not a UUID) says why
    if (err instanceof Error && err.name === "SwarmError") throw err;
    return null;
  }
}

interface AdapterModule {
  getAdapter?: (kind: AgentKind) => { detect: DetectFn } | undefined;
  adapterFor?: (kind: AgentKind, custom?: CustomDetector) => { detect: DetectFn };
  ADAPTERS?: Record<string, { detect: DetectFn }>;
}

export type DetectorLookup = (kind: AgentKind, custom: CustomDetector | null) => DetectFn;

/**
 * Finds each agent kind's detector in daemon/runtime/adapters/ when that module is present.
 * Loaded dynamically so the runtime domain works on its own; a missing adapter falls back.
 */
export async function loadDetectors(): Promise<DetectorLookup> {
  let mod: AdapterModule = {};
  try {
    const spec = "./adapters/index.js";
    mod = (await import(spec)) as AdapterModule;
  } catch {
    mod = {};
  }
  return (kind, custom) => {
    try {
      const a = (custom && kind === "custom" ? mod.adapterFor?.(kind, custom) : undefined) ?? mod.getAdapter?.(kind) ?? mod.ADAPTERS?.[kind];
      if (a && typeof a.detect === "function") return (s, c) => a.detect(s, c);
    } catch {
      // an adapter that cannot be built must not take the runtime down
    }
    return fallbackDetect;
  };
}
