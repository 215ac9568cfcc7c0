import type { Progress, ProgressFn } from "../../providers/types.js";
import type { EventLog } from "../events/event-log.js";

const MIN_GAP_MS = 100;

/**
 * Turns provider progress into `env.progress` events. Each event is a database write, so
 * repeats within one phase are thinned to one per 100 ms; phase changes and the last step
 * (done = total) always go through.
 */
export function progressReporter(events: EventLog, env: string, op: string): ProgressFn & { phase(p: Progress): void } {
  let lastPhase = "";
  let lastAt = 0;
  const fn = ((p: Progress) => {
    const now = Date.now();
    const final = p.total !== undefined && p.done === p.total;
    if (p.phase === lastPhase && !final && now - lastAt < MIN_GAP_MS) return;
    lastPhase = p.phase;
    lastAt = now;
    events.append("env.progress", env, {
      op,
      phase: p.phase,
      ...(p.done !== undefined ? { done: p.done } : {}),
      ...(p.total !== undefined ? { total: p.total } : {}),
      ...(p.message !== undefined ? { message: p.message } : {}),
    });
  }) as ProgressFn & { phase(p: Progress): void };
  fn.phase = fn;
  return fn;
}
