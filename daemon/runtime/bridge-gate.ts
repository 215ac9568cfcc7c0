import type { Logger } from "../log/logger.js";

/**
 * Holds a freshly started agent CLI that swarm wired to its bridge (claude, codex, gemini)
 * in `starting` at its prompt until that bridge says bridge.hello, at most
 * runtime.bridge_wait_ms: Claude Code draws its prompt before its MCP servers are up, and a
 * turn taken then has none of swarm's tools (measured: a wake's first injection into a fresh
 * Claude went unanswered until its retry a minute later). Keyed by runtime name; in memory,
 * as a start is.
 */
/** What a held runtime's `why` says, after the rule that saw its prompt. */
export const HELD_FOR_BRIDGE = "waiting for its swarm bridge (MCP) to connect";

export class BridgeGate {
  private readonly waits = new Map<string, { since: number; until: number }>();

  constructor(private readonly logger: Logger) {}

  /** A start of `name` whose program runs the bridge (`waitMs` 0: it is not held). */
  expect(name: string, mcp: boolean, waitMs: number): void {
    if (mcp && waitMs > 0) this.waits.set(name, { since: Date.now(), until: Date.now() + waitMs });
    else this.waits.delete(name);
  }

  /** `name` waits for its bridge, and its wait has not run out. */
  holding(name: string, now = Date.now()): boolean {
    const w = this.waits.get(name);
    return w !== undefined && now < w.until;
  }

  cancel(name: string): void {
    this.waits.delete(name);
  }

  /** For a switch from starting to idle: hold it (with the why to show meanwhile), or let it go with the why to record. */
  gate(name: string, why: string): { hold: boolean; why: string } {
    const w = this.waits.get(name);
    if (!w) return { hold: false, why };
    if (Date.now() < w.until) return { hold: true, why: `${why}; ${HELD_FOR_BRIDGE}` };
    this.waits.delete(name);
    const waited = w.until - w.since;
    this.logger.warn("runtime bridge did not connect in time", { name, waited_ms: waited });
    return { hold: false, why: `${why} (its swarm bridge did not connect within ${waited} ms: its turns may lack swarm's tools)` };
  }

  /** The bridge said hello: how long `name` was held for it (null: it was not). */
  connected(name: string): number | null {
    const w = this.waits.get(name);
    this.waits.delete(name);
    return w ? Date.now() - w.since : null;
  }
}
