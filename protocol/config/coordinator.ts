import { z } from "zod";

/**
 * `coordinator.review` (issue 10): a thread per agent ticket where its executor and its
 * reviewer talk, created by the coordinator when the ticket is dispatched.
 */
export const ReviewConfig = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "each agent ticket the daemon dispatches gets a thread (type review) linked to it: executor = the ticket's runtime (ticket-<id>), reviewer as below; its id reaches the agents as SWARM_THREAD_ID",
      ),
    reviewer_kind: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "agent kind of a second runtime (ticket-<id>-review) started in the ticket's environment after the executor finishes, prompted to review the branch and post its findings in the thread; the ticket completes when it finishes. null = no reviewer runtime",
      ),
    reviewer: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("the reviewer's agent id when no reviewer runtime is started (a person or an agent started by hand, who joins the thread); null = none"),
    timeout_ms: z.number().int().min(1000).default(600000).describe("longest a reviewer runtime may take (within the ticket's own deadline)"),
  })
  .strict()
  .default({ enabled: false, reviewer_kind: null, reviewer: null, timeout_ms: 600000 });
export type ReviewConfig = z.output<typeof ReviewConfig>;

/** The `coordinator` config section (R-T3): dispatch, caps, leases, retries, breaker. */
export const CoordinatorConfig = z
  .object({
    command: z
      .array(z.string().min(1))
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "argv the daemon runs for each ticket it dispatches itself (ticket JSON on stdin, SWARM_TICKET_ID and SWARM_RESULT_DIR in the env, cwd a fresh temp dir); null = only external workers claim",
      ),
    command_kinds: z
      .array(z.string().min(1))
      .default(["command"])
      .describe("agent kinds the daemon runs with `command`; tickets of other kinds wait for an external worker (ticket.claim)"),
    agent_kinds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "agent kinds the daemon runs itself as agents: an environment per ticket on branch swarm/ticket-<id>, the agent in a runtime there, the ticket as its prompt; [] = none",
      ),
    repo: z.string().min(1).nullable().default(null).describe("absolute path of the git repository agent tickets run against (needed with agent_kinds)"),
    repos: z
      .record(z.string(), z.string().min(1))
      .default({})
      .describe('per-workspace repositories for agent tickets, e.g. {"web": "/src/web"}; a workspace not listed uses `repo`'),
    provider: z.string().min(1).default("worktree").describe("environment provider for agent tickets"),
    agent_command: z
      .record(z.string(), z.array(z.string().min(1)).min(1))
      .default({})
      .describe(
        'argv per agent kind overriding the adapter\'s start command, e.g. {"custom": ["./my-agent"]}; kinds that are not runtime agents run as `custom`',
      ),
    pr_command: z
      .array(z.string().min(1))
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "argv run in the environment after a ticket's commit (SWARM_TICKET_ID, SWARM_BRANCH in its env); its output is kept in the result; null = no PR step",
      ),
    review: ReviewConfig,
    idle_done_ms: z.number().int().min(100).default(5000).describe("an agent idle this long after having worked on its ticket counts as finished"),
    max_concurrent: z.number().int().min(1).max(10000).default(4).describe("tickets leased at once, all workers together"),
    per_kind: z
      .record(z.string(), z.number().int().min(0))
      .default({})
      .describe('cap of tickets leased at once per agent kind, e.g. {"claude": 2}; kinds not listed share only the global cap'),
    default_agent_kind: z.string().min(1).default("command").describe("agent kind of tickets that name none"),
    lease_ms: z.number().int().min(200).default(30000).describe("a lease not renewed by a heartbeat within this long expires"),
    heartbeat_ms: z.number().int().min(50).default(10000).describe("how often the daemon's own runner renews its leases"),
    sweep_ms: z.number().int().min(20).default(1000).describe("how often expired leases and timeouts are looked for"),
    max_attempts: z.number().int().min(1).max(100).default(3).describe("attempts per ticket unless the ticket sets max_attempts"),
    backoff_base_ms: z.number().int().min(0).default(1000).describe("retry delay after the first failure; doubles each attempt"),
    backoff_max_ms: z.number().int().min(0).default(300000).describe("retry delay ceiling"),
    backoff_jitter: z.number().min(0).max(1).default(0.2).describe("fraction of the delay randomised (±), so retries do not stampede"),
    breaker_failures: z.number().int().min(1).default(5).describe("consecutive failures of an agent kind that open its circuit breaker"),
    breaker_cooldown_ms: z.number().int().min(0).default(60000).describe("how long an open breaker pauses dispatch before one probe (half-open)"),
    default_timeout_ms: z.number().int().min(1000).default(3600000).describe("per-ticket run time limit unless the ticket sets timeout_ms"),
    min_free_mem_mb: z.number().int().min(0).default(256).describe("no dispatch while the host has less free memory than this"),
    max_load_per_cpu: z.number().min(0).default(4).describe("no dispatch while the 1-minute load average per CPU is above this (0 = ignore)"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.agent_kinds.length > 0 && c.repo === null && Object.keys(c.repos).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["repo"],
        message: `agent_kinds ${JSON.stringify(c.agent_kinds)} need coordinator.repo (or repos per workspace): the absolute path of the git repository tickets run against`,
      });
    }
    for (const [key, dir] of [["repo", c.repo], ...Object.entries(c.repos).map(([w, d]) => [`repos.${w}`, d])] as [string, string | null][]) {
      if (dir !== null && !dir.startsWith("/")) {
        ctx.addIssue({ code: "custom", path: key.split("."), message: `coordinator.${key} must be an absolute path, got ${JSON.stringify(dir)}` });
      }
    }
  });
export type CoordinatorConfig = z.output<typeof CoordinatorConfig>;
export const COORDINATOR_DEFAULTS: CoordinatorConfig = CoordinatorConfig.parse({});
