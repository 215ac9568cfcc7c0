import type { Logger } from "../log/logger.js";

/**
 * Human keystrokes on their way into runtimes (runtime.input with `human: true`): observers
 * hear of each batch as it arrives (the wake's collision control), and while a runtime is
 * held (a wake typing its trigger) the keys wait and are written in order on release, so a
 * trigger and a person's typing never interleave on one input line.
 */
export class HumanInputGate {
  private readonly observers = new Set<(name: string, data: string) => void>();
  private readonly held = new Map<string, { holds: number; keys: string[] }>();

  constructor(private readonly logger: Logger) {}

  observe(fn: (name: string, data: string) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Tells the observers; true when the keys were held (the caller must not write them now). */
  intercept(name: string, data: string): boolean {
    for (const fn of this.observers) fn(name, data);
    const h = this.held.get(name);
    if (!h) return false;
    h.keys.push(data);
    return true;
  }

  /** Holds `name`'s human keys until the returned release runs; `write` then writes what waited. */
  hold(name: string, write: (data: string) => void): () => void {
    const h = this.held.get(name) ?? { holds: 0, keys: [] };
    h.holds++;
    this.held.set(name, h);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--h.holds > 0) return;
      this.held.delete(name);
      if (h.keys.length === 0) return;
      try {
        write(h.keys.join(""));
      } catch (err) {
        this.logger.warn("held keystrokes could not be written", { runtime: name, error: String(err) });
      }
    };
  }
}
