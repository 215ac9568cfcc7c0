import { z } from "zod";

export const THREADS_DEFAULTS = {
  max_body_bytes: 64 * 1024,
  no_progress_turns: 20,
  repeated_finding_cycles: 3,
  rate_limit: { messages_per_minute: 60, burst: 30 },
  token_ttl_ms: 15 * 60 * 1000,
  max_token_ttl_ms: 24 * 3600 * 1000,
  retention: "indefinite" as const,
  content_filter: "off" as const,
};

/** The `threads` config section (R-M4, R-M5, R-M8): message limits, loop breakers, agent tokens. */
export const ThreadsConfig = z
  .object({
    max_body_bytes: z
      .number()
      .int()
      .min(256)
      .max(4 * 1024 * 1024)
      .default(THREADS_DEFAULTS.max_body_bytes)
      .describe("largest message body accepted (bytes, UTF-8); bigger ones are refused with INVALID_ARGUMENT"),
    no_progress_turns: z
      .number()
      .int()
      .min(2)
      .max(10000)
      .default(THREADS_DEFAULTS.no_progress_turns)
      .describe("a thread whose agents post this many messages in a row without progress is blocked and escalated to the operator"),
    repeated_finding_cycles: z
      .number()
      .int()
      .min(2)
      .max(1000)
      .default(THREADS_DEFAULTS.repeated_finding_cycles)
      .describe("a thread where the same finding (normalised text) is raised in this many cycles is blocked and escalated"),
    rate_limit: z
      .object({
        messages_per_minute: z.number().int().min(1).max(100000).default(THREADS_DEFAULTS.rate_limit.messages_per_minute).describe("sustained posts per agent"),
        burst: z
          .number()
          .int()
          .min(1)
          .max(100000)
          .default(THREADS_DEFAULTS.rate_limit.burst)
          .describe("posts an agent may make at once before the rate applies"),
      })
      .strict()
      .default(THREADS_DEFAULTS.rate_limit)
      .describe("per-agent message rate limit (token bucket); exceeding it is RESOURCE_EXHAUSTED with details.retry_after_ms; the operator is not limited"),
    token_ttl_ms: z
      .number()
      .int()
      .min(1000)
      .default(THREADS_DEFAULTS.token_ttl_ms)
      .describe("lifetime of an agent token minted without ttl_ms (agent.token_mint)"),
    max_token_ttl_ms: z.number().int().min(1000).default(THREADS_DEFAULTS.max_token_ttl_ms).describe("longest lifetime agent.token_mint accepts"),
    retention: z.enum(["indefinite"]).default("indefinite").describe("how long messages are kept; only `indefinite` exists (flag for later, not yet enforced)"),
    content_filter: z.enum(["off"]).default("off").describe("filtering of message content; only `off` exists (flag for later, not yet enforced)"),
  })
  .strict()
  .default(THREADS_DEFAULTS);
export type ThreadsConfig = z.output<typeof ThreadsConfig>;
