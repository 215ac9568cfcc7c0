import type { LiveRuntime } from "./live-runtime.js";

/**
 * Waits until `pred` holds on a runtime's screen model: checked now, after every output
 * chunk the model has parsed, and every 50 ms (a state can change with time alone, e.g. a
 * detector's quiet rule). Resolves true when it held, false at the deadline or the exit.
 */
export function waitScreen(rt: LiveRuntime, pred: () => boolean, timeoutMs: number): Promise<boolean> {
  if (pred()) return Promise.resolve(true);
  if (timeoutMs <= 0 || rt.exited) return Promise.resolve(false);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearInterval(tick);
      unlisten();
      resolve(v);
    };
    const check = () => {
      if (pred()) finish(true);
      else if (rt.exited) finish(false);
    };
    const unlisten = rt.listen(check);
    const tick = setInterval(check, 50);
    const deadline = setTimeout(() => finish(pred()), timeoutMs);
  });
}

/** Resolves after the next output chunk the model has parsed, or after `ms` (whichever is first). */
export function nextOutput(rt: LiveRuntime, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    const unlisten = rt.listen(done);
    function done() {
      clearTimeout(t);
      unlisten();
      resolve();
    }
  });
}
