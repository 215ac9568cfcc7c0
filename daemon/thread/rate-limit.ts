import { SwarmError } from "../../protocol/errors.js";

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-agent message rate limit (R-M5): a token bucket of `burst` posts refilled at
 * `perMinute`. In memory: a daemon restart forgives everyone, which errs on the side of
 * letting work continue.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: () => { messages_per_minute: number; burst: number }) {}

  /** Takes one post from `agent`'s bucket or throws RESOURCE_EXHAUSTED with retry_after_ms. */
  take(agent: string, now = Date.now()): void {
    const { messages_per_minute: rate, burst } = this.limits();
    const perMs = rate / 60_000;
    const b = this.buckets.get(agent) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(agent, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const retry_after_ms = Math.ceil((1 - b.tokens) / perMs);
    throw new SwarmError(
      "RESOURCE_EXHAUSTED",
      `agent ${agent} posts faster than threads.rate_limit allows (${rate}/min, burst ${burst}); retry in ${retry_after_ms} ms`,
      {
        details: { reason_code: "rate_limited", agent, retry_after_ms, messages_per_minute: rate, burst },
        hint: "wait retry_after_ms, or raise threads.rate_limit in the config",
      },
    );
  }
}
