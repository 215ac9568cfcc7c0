import { z } from "zod";

const KB = 1024;
const MB = 1024 * KB;

/** Runtimes (R-R1…R-R5): PTY holders, flow control, terminal model, recording, text delivery, state detection. */
export const RuntimeConfig = z
  .object({
    holder: z
      .enum(["auto", "native", "node"])
      .default("auto")
      .describe(
        "which PTY holder runs each runtime: native (the small C holder built into dist/native at build), node (the Node holder), auto (native when built, else node)",
      ),
    ring_bytes: z
      .number()
      .int()
      .min(64 * KB)
      .max(256 * MB)
      .default(2 * MB)
      .describe("recent output each PTY holder keeps to rebuild the screen after a daemon restart"),
    high_watermark: z
      .number()
      .int()
      .min(16 * KB)
      .max(64 * MB)
      .default(1 * MB)
      .describe("unacknowledged output bytes at which the holder pauses the PTY"),
    low_watermark: z
      .number()
      .int()
      .min(1 * KB)
      .max(64 * MB)
      .default(256 * KB)
      .describe("the holder resumes the PTY below this many unacknowledged bytes"),
    scrollback: z.number().int().min(0).max(100000).default(2000).describe("scrollback lines of each runtime's terminal model"),
    recording: z.boolean().default(true).describe("record every runtime's output as asciicast v2"),
    recording_max_bytes: z
      .number()
      .int()
      .min(64 * KB)
      .default(64 * MB)
      .describe("no recording file grows past this size: the event that would pass it starts the next file"),
    recording_keep: z.number().int().min(1).max(100).default(3).describe("rotated recording files kept per runtime"),
    enter_delay_ms: z.number().int().min(0).max(10000).default(60).describe("runtime.send: pause between the text and its Enter"),
    confirm_timeout_ms: z.number().int().min(0).max(120000).default(5000).describe("runtime.send: how long to look for the text on screen"),
    ready_timeout_ms: z
      .number()
      .int()
      .min(0)
      .max(600000)
      .default(30000)
      .describe("runtime.send: how long to wait for a `starting` agent to become ready before refusing"),
    human_quiet_ms: z
      .number()
      .int()
      .min(0)
      .max(3600000)
      .default(20000)
      .describe("runtime.send refuses while a person typed into the runtime within this window (0: never); --force overrides"),
    state_settle_ms: z
      .number()
      .int()
      .min(0)
      .max(10000)
      .default(300)
      .describe("a switch between idle and working is recorded only once it held this long (no flapping on every keystroke)"),
    state_debounce_ms: z.number().int().min(0).max(10000).default(30).describe("re-evaluate a runtime's state this long after output"),
    bridge_wait_ms: z
      .number()
      .int()
      .min(0)
      .max(300000)
      .default(20000)
      .describe(
        "an agent CLI swarm wired to its bridge (claude, codex, gemini) stays `starting` until that bridge says hello, at most this long, so a first prompt never runs without swarm's tools (0: don't wait)",
      ),
    state_poll_ms: z.number().int().min(50).max(60000).default(500).describe("re-evaluate every runtime's state at least this often"),
    heartbeat_ms: z.number().int().min(100).max(600000).default(10000).describe("how often the daemon refreshes the heartbeat of runtimes it holds"),
    stale_after_ms: z.number().int().min(1000).default(60000).describe("an unmanaged runtime whose heartbeat is older than this is marked lost"),
    expire_after_s: z
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600)
      .describe("exited/lost records older than this are removed (0 = keep forever)"),
  })
  .strict()
  .prefault({});

export type RuntimeConfig = z.output<typeof RuntimeConfig>;
