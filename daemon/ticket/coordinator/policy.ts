/**
 * Retry and failure policy: pure functions and a small state machine, so they are tested
 * without a clock or a daemon.
 */
export interface BackoffOpts {
  baseMs: number;
  maxMs: number;
  /** ± fraction of the delay that is random. */
  jitter: number;
}

/** Delay before attempt `attempt + 1` after `attempt` failed ones: base·2^(attempt-1), capped, jittered. */
export function backoffDelay(attempt: number, o: BackoffOpts, rand: () => number = Math.random): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * o.jitter;
  return Math.max(0, Math.round(exp - spread + rand() * 2 * spread));
}

export type BreakerPhase = "closed" | "open" | "half-open";

/**
 * A circuit breaker per agent kind. After `threshold` consecutive failures it opens and
 * refuses dispatch until the cool-down passes; then it lets exactly one probe through
 * (half-open): success closes it, failure re-opens it for another cool-down.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil: number | null = null;
  private probeOut = false;

  constructor(private readonly opts: () => { threshold: number; cooldownMs: number }) {}

  phase(now = Date.now()): BreakerPhase {
    if (this.openUntil === null) return "closed";
    return now < this.openUntil ? "open" : "half-open";
  }

  /** May a ticket of this kind be dispatched now? Half-open admits one probe at a time. */
  allows(now = Date.now()): boolean {
    const p = this.phase(now);
    if (p === "closed") return true;
    if (p === "open") return false;
    return !this.probeOut;
  }

  onDispatch(now = Date.now()): void {
    if (this.phase(now) === "half-open") this.probeOut = true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openUntil = null;
    this.probeOut = false;
  }

  onFailure(now = Date.now()): void {
    this.failures++;
    const { threshold, cooldownMs } = this.opts();
    if (this.probeOut || this.failures >= threshold) this.openUntil = now + cooldownMs;
    this.probeOut = false;
  }

  snapshot(now = Date.now()): { state: BreakerPhase; consecutive_failures: number; open_until: number | null } {
    return { state: this.phase(now), consecutive_failures: this.failures, open_until: this.openUntil };
  }
}
