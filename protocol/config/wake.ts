import { z } from "zod";

/** The trigger typed into an idle agent: a pointer to the thread, never the messages themselves. */
export const DEFAULT_WAKE_TEMPLATE = "{unread} unread in thread {thread} from {from} — call read_messages, then ack_read (wake {wake})";

export const WAKE_DEFAULTS = {
  enabled: true,
  quiet_window_ms: 20_000,
  recheck_ms: 5_000,
  max_defer_ms: 60_000,
  ack_timeout_ms: 60_000,
  retries: 1,
  retry_backoff_ms: 2_000,
  max_resumes: 2,
  stale_session_ms: 12 * 3600 * 1000,
  spawn: true,
  rate_limit: { per_minute: 12, burst: 4 },
  templates: {} as Record<string, string>,
  default_template: DEFAULT_WAKE_TEMPLATE,
};

const Ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** The `wake` config section (R-M6, R-M7): collision control, acknowledgement, fallback chain, storm control. */
export const WakeConfig = z
  .object({
    enabled: z
      .boolean()
      .default(WAKE_DEFAULTS.enabled)
      .describe("wake idle agents that have unread messages (false: thread.trigger still records wakes, nothing is injected)"),
    quiet_window_ms: Ms(0, 3_600_000)
      .default(WAKE_DEFAULTS.quiet_window_ms)
      .describe("a human keystroke in the runtime within this long defers a wake (collision control)"),
    recheck_ms: Ms(10, 600_000).default(WAKE_DEFAULTS.recheck_ms).describe("a deferred wake looks again this often"),
    max_defer_ms: Ms(0, 24 * 3_600_000)
      .default(WAKE_DEFAULTS.max_defer_ms)
      .describe("a wake deferred this long is not injected: it ends `deferred_max` (or takes the resume path when the agent has one)"),
    ack_timeout_ms: Ms(10, 24 * 3_600_000)
      .default(WAKE_DEFAULTS.ack_timeout_ms)
      .describe("after an injection, the agent must move its read cursor or heartbeat its session within this long, or the next fallback step runs"),
    retries: z.number().int().min(0).max(10).default(WAKE_DEFAULTS.retries).describe("injections repeated after the first one was not acknowledged"),
    retry_backoff_ms: Ms(0, 3_600_000).default(WAKE_DEFAULTS.retry_backoff_ms).describe("wait before the first retry; doubles for each further one"),
    max_resumes: z.number().int().min(0).max(10).default(WAKE_DEFAULTS.max_resumes).describe("resumes by exact session id tried before spawning a new session"),
    stale_session_ms: Ms(1000, 365 * 24 * 3_600_000)
      .default(WAKE_DEFAULTS.stale_session_ms)
      .describe("a session whose last heartbeat is older than this is not resumed (the fallback goes on to spawn)"),
    spawn: z.boolean().default(WAKE_DEFAULTS.spawn).describe("as the last fallback, start a new session of the agent seeded with the thread's summary"),
    rate_limit: z
      .object({
        per_minute: z.number().int().min(1).max(1_000_000).default(WAKE_DEFAULTS.rate_limit.per_minute).describe("sustained injections per runtime"),
        burst: z.number().int().min(1).max(1_000_000).default(WAKE_DEFAULTS.rate_limit.burst).describe("injections a runtime may get at once"),
      })
      .strict()
      .default(WAKE_DEFAULTS.rate_limit)
      .describe("per-runtime injection rate (token bucket); a wake over it waits for a token, it is not dropped"),
    templates: z
      .record(z.string(), z.string().min(1).max(1000))
      .default(WAKE_DEFAULTS.templates)
      .describe("trigger text per agent kind (claude, codex, gemini, custom…); placeholders {unread} {thread} {from} {wake} {participant} {title}"),
    default_template: z.string().min(1).max(1000).default(WAKE_DEFAULTS.default_template).describe("trigger text for agent kinds without a template"),
  })
  .strict()
  .default(WAKE_DEFAULTS);
export type WakeConfig = z.output<typeof WakeConfig>;
