import type { DetectedState } from "./adapters/types.js";
import type { LiveRuntime } from "./live-runtime.js";
import { fallbackDetect, type DetectFn } from "./state-detector.js";

/**
 * What a live runtime's detector says about its screen right now (not yet recorded): the
 * screen model plus how long since output and since a person typed, and whether the agent
 * was ever seen ready. A detector that throws falls back to the activity rule, saying so.
 */
export function detectLive(rt: LiveRuntime, detect: DetectFn): DetectedState {
  const now = Date.now();
  const human = rt.row.last_human_input_at ? now - Date.parse(rt.row.last_human_input_at) : undefined;
  const ctx = {
    msSinceOutput: now - rt.lastOutputMs,
    exited: false,
    exitCode: null,
    ready: rt.memory.ready,
    ...(human !== undefined ? { msSinceHumanInput: human } : {}),
  };
  try {
    return detect(rt.model.view(), ctx);
  } catch (err) {
    const d = { ...fallbackDetect(rt.model.view(), ctx) };
    d.why += ` (detector failed: ${String(err)})`;
    return d;
  }
}
