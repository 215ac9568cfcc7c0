/**
 * Polling with a deadline, for conditions that have no event to wait on (a non-child
 * process exiting, a socket file appearing, a helper starting to answer). One helper, so
 * every such loop has a deadline, a bounded interval and the same timeout error.
 */
import { SwarmError } from "./errors.js";

export interface WaitOptions {
  timeoutMs: number;
  /** poll interval (default 20 ms) */
  everyMs?: number;
}

/** What a predicate returns when the condition holds: anything but false, null or undefined. */
export type Held<T> = Exclude<T, false | null | undefined>;

/** Polls `pred` until it holds and returns its value, or `null` once `timeoutMs` has passed. */
export async function pollUntil<T>(pred: () => T | Promise<T>, opts: WaitOptions): Promise<Held<T> | null> {
  const deadline = Date.now() + opts.timeoutMs;
  const every = opts.everyMs ?? 20;
  for (;;) {
    const v = await pred();
    if (v !== false && v !== null && v !== undefined) return v as Held<T>;
    const left = deadline - Date.now();
    if (left <= 0) return null;
    await new Promise((r) => setTimeout(r, Math.min(every, left)));
  }
}

/** pollUntil, but a timeout is a TIMEOUT error naming `what` ("the VM's agent to answer"). */
export async function waitUntil<T>(what: string, pred: () => T | Promise<T>, opts: WaitOptions & { hint?: string }): Promise<Held<T>> {
  const v = await pollUntil(pred, opts);
  if (v === null) {
    throw new SwarmError("TIMEOUT", `timed out after ${(opts.timeoutMs / 1000).toFixed(1)} s waiting for ${what}`, opts.hint ? { hint: opts.hint } : {});
  }
  return v;
}
