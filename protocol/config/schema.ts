import { z } from "zod";
import { COORDINATOR_DEFAULTS, CoordinatorConfig } from "./coordinator.js";
import { RuntimeConfig } from "./runtime.js";
import { ThreadsConfig } from "./threads.js";
import { WakeConfig } from "./wake.js";

const ENV_DEFAULTS = {
  default_provider: "worktree",
  idle_stop_after: "off",
  cpu_overcommit: 2.0,
  memory_overcommit: 1.0,
  bulk_concurrency: 8,
  trash_keep_for: "7d",
  resources: { vm: { cpus: 2, memory: "4G" } } as Record<string, { cpus: number; memory: string }>,
};

/** Environments (R-E6, R-E9): defaults, host overcommit ratios, idle auto-stop. */
const EnvConfig = z
  .object({
    default_provider: z.string().default(ENV_DEFAULTS.default_provider).describe("provider used by `env create` without --provider"),
    default_net: z.enum(["none", "proxy", "full"]).optional().describe("network mode without --net; unset = the most restrictive mode the provider enforces"),
    idle_stop_after: z
      .string()
      .regex(/^(off|\d+(\.\d+)?(ms|s|m|h|d))$/, "a duration like 30m, 2h, 45s, or off")
      .default(ENV_DEFAULTS.idle_stop_after)
      .describe("stop a running environment with no exec/PTY activity for this long (e.g. 30m); off disables"),
    trash_keep_for: z
      .string()
      .regex(/^(off|\d+(\.\d+)?(ms|s|m|h|d))$/, "a duration like 7d, 12h, or off")
      .default(ENV_DEFAULTS.trash_keep_for)
      .describe("deleted environments (and their swarm-trash/* branches) older than this are purged at daemon start and on delete; off keeps them"),
    cpu_overcommit: z.number().positive().max(64).default(ENV_DEFAULTS.cpu_overcommit).describe("reserved vCPUs may reach host CPUs x this"),
    memory_overcommit: z.number().positive().max(64).default(ENV_DEFAULTS.memory_overcommit).describe("reserved RAM may reach host RAM x this"),
    bulk_concurrency: z.number().int().min(1).max(64).default(ENV_DEFAULTS.bulk_concurrency).describe("parallel creates/deletes in env bulk"),
    resources: z
      .record(z.string(), z.object({ cpus: z.number().min(0), memory: z.string().describe("e.g. 512M, 4G; 0 = not reserved") }).strict())
      .default(ENV_DEFAULTS.resources)
      .describe("default vCPUs/RAM reserved per provider; providers not listed reserve nothing unless asked"),
  })
  .strict()
  .default(ENV_DEFAULTS);

/**
 * The config schema: one place for every key, its default and its description.
 * docs/config.md is generated from it. Domains add a section here.
 */
/** What `swarm` does to the terminal when something new needs the person (tui.notify, `swarm --notify`). */
export const TUI_NOTIFY_MODES = ["off", "bell", "osc9"] as const;

export const ConfigSchema = z
  .object({
    log: z
      .object({
        level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("lowest level written to the daemon log"),
        max_bytes: z
          .number()
          .int()
          .min(65536)
          .default(10 * 1024 * 1024)
          .describe("the log file is rotated past this size"),
      })
      .strict()
      .default({ level: "info", max_bytes: 10 * 1024 * 1024 }),
    rpc: z
      .object({
        max_frame_bytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024)
          .describe("largest JSON-RPC frame (one line) accepted from a client; takes effect on restart"),
      })
      .strict()
      .default({ max_frame_bytes: 1024 * 1024 }),
    daemon: z
      .object({
        shutdown_grace_ms: z.number().int().min(0).max(60000).default(5000).describe("how long a graceful shutdown waits for requests in flight"),
      })
      .strict()
      .default({ shutdown_grace_ms: 5000 }),
    tickets: z
      .object({
        max_body_bytes: z
          .number()
          .int()
          .min(1024)
          .max(16 * 1024 * 1024)
          .default(256 * 1024)
          .describe("largest ticket body accepted (bytes, UTF-8); bigger ones are refused with INVALID_ARGUMENT"),
        watch: z.array(z.string().min(1)).default([]).describe("folders of ticket files (Markdown + YAML front matter) watched and synced into the queue"),
      })
      .strict()
      .default({ max_body_bytes: 256 * 1024, watch: [] }),
    coordinator: CoordinatorConfig.default(COORDINATOR_DEFAULTS),
    approvals: z
      .object({
        timeout_ms: z
          .number()
          .int()
          .min(1000)
          .default(24 * 3600 * 1000)
          .describe("a pending approval expires after this long (ms)"),
        expire_outcome: z
          .enum(["reject", "approve", "clarify"])
          .default("reject")
          .describe("what an expired approval turns into (audited with actor `policy`)"),
        max_diff_bytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024)
          .describe("an approval's diff is cut to this size (the approval records that it was truncated)"),
      })
      .strict()
      .default({ timeout_ms: 24 * 3600 * 1000, expire_outcome: "reject", max_diff_bytes: 1024 * 1024 }),
    env: EnvConfig,
    runtime: RuntimeConfig,
    metrics: z
      .object({
        listen: z
          .string()
          .regex(
            /^(off|(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5})$/,
            "off, or a loopback address with a port such as 127.0.0.1:9464 (never a public address)",
          )
          .default("off")
          .describe("serve Prometheus metrics over HTTP at this loopback address (GET /metrics); off = only `swarmctl metrics`; takes effect on restart"),
      })
      .strict()
      .default({ listen: "off" }),
    secrets: z
      .object({
        keyring: z
          .boolean()
          .default(true)
          .describe(
            "keep the secrets' master key in the OS keyring (Secret Service) when one answers; false = always the 0600 key file; takes effect on restart",
          ),
        keyring_retry_ms: z.number().int().min(50).default(10_000).describe("how often an unreachable keyring holding the key is asked again (ms)"),
      })
      .strict()
      .default({ keyring: true, keyring_retry_ms: 10_000 }),
    threads: ThreadsConfig,
    wake: WakeConfig,
    tui: z
      .object({
        notify: z
          .enum(TUI_NOTIFY_MODES)
          .default("off")
          .describe("when something new needs you, the TUI rings the bell or sends an OSC 9 desktop notification; `swarm --notify` overrides it"),
      })
      .strict()
      .default({ notify: "off" }),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;

export interface ConfigProblem {
  key: string;
  message: string;
}

/** Turns zod issues into one line per key, naming what is allowed. */
export function describeIssues(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const key = issue.path.map(String).join(".") || "(root)";
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      message = `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; see docs/config.md for the keys allowed here`;
    }
    return { key, message };
  });
}

export type ParseResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

export function parseConfig(raw: unknown): ParseResult {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: describeIssues(result.error) };
}

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
