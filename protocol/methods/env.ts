import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";

/** One `--proxy-allow` entry: what the allow-list proxy can match (providers/common/proxy.ts). */
export const PROXY_ALLOW_RULE = "proxy allow-list entries are host, host:port, *.domain or *.domain:port (letters, digits, '-' and '.'; port 1-65535)";
const PROXY_ALLOW_RE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/;

export function checkProxyAllow(entry: string): string | null {
  const port = /:(\d+)$/.exec(entry)?.[1];
  if (entry.length > 260 || !PROXY_ALLOW_RE.test(entry) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    return `invalid --proxy-allow entry ${JSON.stringify(entry)}: ${PROXY_ALLOW_RULE}`;
  }
  return null;
}

/** Lifecycle states of a registered environment (R-E3). `lost`: the provider no longer knows it. */
export const ENV_STATES = ["creating", "running", "stopped", "error", "lost"] as const;
export const EnvStateSchema = z.enum(ENV_STATES);
export const NetModeSchema = z.enum(["none", "proxy", "full"]);

/** The capability envelope granted to an environment at create time (R-E10). */
export const Capabilities = z.object({
  net: NetModeSchema,
  proxy_allow: z.array(z.string()).describe("hosts reachable through the proxy when net = proxy"),
  resources_enforced: z.boolean().describe("whether the provider enforces cpus/memory or only counts them"),
});

export const EnvRecord = z.object({
  name: z.string(),
  project: z.string(),
  provider: z.string(),
  state: EnvStateSchema,
  state_reason: z.string().nullable().describe("why the environment is in error/lost, when it is"),
  repo: z.string(),
  branch: z.string(),
  host_path: z.string().nullable().describe("host folder of the environment's checkout, if any"),
  cpus: z.number().describe("reserved vCPUs; 0 = shares the host, not reserved"),
  memory_mib: z.number().int().describe("reserved RAM in MiB; 0 = not reserved"),
  capabilities: Capabilities,
  handle: z.record(z.string(), z.unknown()).describe("provider state (JSON), opaque to clients"),
  created_at: z.string(),
  updated_at: z.string(),
  last_activity_at: z.string(),
});
export type EnvRecord = z.infer<typeof EnvRecord>;

const NameParam = z.object({ name: Name.describe("environment name") });

const CreateFields = {
  project: z.string().min(1).max(200).optional().describe("project the environment belongs to (default: the repo folder's name)"),
  provider: z.string().min(1).max(63).optional().describe("provider name (default: config env.default_provider)"),
  repo: z.string().min(1).describe("absolute host path of the git repository"),
  cpus: z.number().positive().max(1024).optional().describe("vCPUs to reserve (default per provider)"),
  memory_mib: z.number().int().positive().optional().describe("RAM to reserve in MiB (default per provider)"),
  net: NetModeSchema.optional().describe("network capability (default: config env.default_net)"),
  proxy_allow: z
    .array(
      z
        .string()
        .max(260)
        .refine((h) => checkProxyAllow(h) === null, { message: PROXY_ALLOW_RULE }),
    )
    .max(200)
    .optional()
    .describe("hosts the proxy lets through when net = proxy"),
  base: z.string().max(200).optional().describe("commit-ish the branch starts from (default HEAD)"),
};

export const envCreate = defineMethod({
  name: "env.create",
  summary: "Create an environment and leave it running. Emits env.progress events (subject = name) while it works.",
  mutating: true,
  params: z.object({ name: Name, branch: z.string().min(1).max(250).optional().describe("default swarm/NAME"), ...CreateFields }),
  result: EnvRecord,
});

export const envList = defineMethod({
  name: "env.list",
  summary: "Every registered environment, optionally of one project.",
  mutating: false,
  params: z.object({ project: z.string().optional() }).default({}),
  result: z.object({ envs: z.array(EnvRecord) }),
});

export const EnvStatusResult = z.object({
  env: EnvRecord,
  status: z
    .object({ state: z.string(), processes: z.number().int().optional(), detail: z.string().optional() })
    .nullable()
    .describe("what the provider says now; null when it could not be asked"),
});

export const envShow = defineMethod({
  name: "env.show",
  summary: "One environment with its live status from the provider.",
  mutating: false,
  params: NameParam,
  result: EnvStatusResult,
});

export const envStart = defineMethod({
  name: "env.start",
  summary: "Start a stopped environment (no-op when running); refused when it would oversubscribe the host.",
  mutating: true,
  params: NameParam,
  result: EnvRecord,
});

export const envStop = defineMethod({
  name: "env.stop",
  summary: "Stop an environment's processes/VM; its checkout and changes stay.",
  mutating: true,
  params: NameParam,
  result: EnvRecord,
});

export const envDelete = defineMethod({
  name: "env.delete",
  summary: "Delete an environment. Without force the provider refuses when work would be lost or a process is live.",
  mutating: true,
  params: z.object({ name: Name, force: z.boolean().default(false) }),
  result: z.object({ name: z.string(), deleted: z.literal(true) }),
});

export const envRestoreDeleted = defineMethod({
  name: "env.restore_deleted",
  summary: "Bring back a deleted environment from its provider's trash (providers that keep one, e.g. worktree).",
  mutating: true,
  params: NameParam,
  result: EnvRecord,
});

export const TrashEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  repo: z.string(),
  branch: z.string().describe("the branch the environment had"),
  trash_branch: z.string().nullable().describe("what that branch is called while in the trash (swarm-trash/<id>); null: not renamed"),
  path: z.string().describe("where its files are kept"),
  deleted_at: z.string(),
});
export type TrashEntryInfo = z.infer<typeof TrashEntrySchema>;

export const envTrashList = defineMethod({
  name: "env.trash_list",
  summary: "Deleted environments kept in the providers' trash (oldest first), restorable with env.restore_deleted.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({ entries: z.array(TrashEntrySchema) }),
});

export const envTrashPurge = defineMethod({
  name: "env.trash_purge",
  summary:
    "Remove for good trash entries deleted at least older_than_ms ago (default: all), with their swarm-trash/* branches; with `ids`, only those entries (ids as env.trash_list gives them).",
  mutating: true,
  params: z.object({
    older_than_ms: z.number().int().min(0).default(0),
    ids: z.array(z.string().min(1)).min(1).optional().describe("only these trash entries (their `id` in env.trash_list)"),
  }),
  result: z.object({ purged: z.array(TrashEntrySchema) }),
});

export const ExecResultSchema = z.object({
  exit_code: z.number().int(),
  signal: z.string().nullable(),
  stdout_b64: z.string(),
  stderr_b64: z.string(),
});

export const envExec = defineMethod({
  name: "env.exec",
  summary: "Run a command to completion inside an environment; output is returned base64-encoded. Counts as activity.",
  mutating: true,
  params: z.object({
    name: Name,
    argv: z.array(z.string()).min(1, "argv needs at least the command"),
    cwd: z.string().optional().describe("relative to the environment's working directory"),
    input_b64: z.string().optional(),
    timeout_ms: z.number().int().positive().optional(),
  }),
  result: ExecResultSchema,
});

export const HostCommandSchema = z.object({
  file: z.string(),
  args: z.array(z.string()),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
});

export const envPtyCommand = defineMethod({
  name: "env.pty_command",
  summary:
    "The host command line that runs argv (default: a login shell) inside the environment, with forwarded env vars and secrets, for a PTY or a passthrough run. Counts as activity.",
  mutating: true,
  params: z.object({ name: Name, argv: z.array(z.string()).optional(), cwd: z.string().optional() }),
  result: HostCommandSchema,
});

export const envTouch = defineMethod({
  name: "env.touch",
  summary: "Record activity (an open shell, an agent typing) so idle auto-stop leaves the environment alone.",
  mutating: false,
  params: NameParam,
  result: z.object({ last_activity_at: z.string() }),
});

export const envCopy = defineMethod({
  name: "env.copy",
  summary:
    "Copy a host file or folder into (`in`) or out of (`out`) an environment. env_path is relative to its working directory; `..`, absolute paths and symlinks leading out are refused.",
  mutating: true,
  params: z.object({
    name: Name,
    direction: z.enum(["in", "out"]),
    host_path: z.string().min(1).describe("absolute host path"),
    env_path: z.string().min(1),
  }),
  result: z.object({ ok: z.literal(true) }),
});

export const CheckpointSchema = z.object({
  name: z.string(),
  created_at: z.string(),
  provider: z.string(),
  base: z.string(),
  bytes: z.number().optional(),
});

export const envCheckpoint = defineMethod({
  name: "env.checkpoint",
  summary: "Save a checkpoint of an environment (default name: a UTC timestamp).",
  mutating: true,
  params: z.object({ name: Name, checkpoint: Name.optional() }),
  result: CheckpointSchema,
});

export const envRestore = defineMethod({
  name: "env.restore",
  summary: "Restore a checkpoint; refused (CONFLICT, with the reason) when it was made by another provider or base.",
  mutating: true,
  params: z.object({ name: Name, checkpoint: Name }),
  result: EnvRecord,
});

export const envCheckpoints = defineMethod({
  name: "env.checkpoints",
  summary: "Checkpoints of one environment, oldest first.",
  mutating: false,
  params: NameParam,
  result: z.object({ checkpoints: z.array(CheckpointSchema) }),
});

export const BulkItem = z.object({ name: z.string(), ok: z.boolean(), message: z.string() });

export const envBulkCreate = defineMethod({
  name: "env.bulk_create",
  summary: "Create many environments of one project in parallel (bounded); one result per name, never all-or-nothing.",
  mutating: true,
  params: z.object({
    ...CreateFields,
    project: z.string().min(1).max(200),
    names: z.array(z.string()).min(1).max(1000),
  }),
  result: z.object({ results: z.array(BulkItem) }),
});

export const envBulkDelete = defineMethod({
  name: "env.bulk_delete",
  summary: "Delete every environment of a project, or the named ones, in parallel; one result per name.",
  mutating: true,
  params: z
    .object({ project: z.string().optional(), names: z.array(z.string()).max(1000).optional(), force: z.boolean().default(false) })
    .refine((p) => (p.project !== undefined) !== (p.names !== undefined && p.names.length > 0), {
      message: "give either project or names, not both and not neither",
    }),
  result: z.object({ results: z.array(BulkItem) }),
});

export const ResourceUsage = z.object({
  host_cpus: z.number(),
  host_memory_mib: z.number(),
  cpu_ratio: z.number(),
  memory_ratio: z.number(),
  used_cpus: z.number(),
  used_memory_mib: z.number(),
});

export const envDisk = defineMethod({
  name: "env.disk",
  summary:
    "Disk space the environment's files take on the host (du of its host folder: checkout, sandbox copy or VM disk images); measured at most every 30 s.",
  mutating: false,
  params: NameParam,
  result: z.object({
    name: z.string(),
    path: z.string().nullable().describe("the host folder measured; null when the environment has none"),
    bytes: z.number().int().nullable().describe("null when it could not be measured"),
    measured_at: z.string(),
  }),
});

export const envResources = defineMethod({
  name: "env.resources",
  summary: "Host CPU/RAM, the overcommit ratios in force, and what running environments reserve.",
  mutating: false,
  params: z.object({}).default({}),
  result: ResourceUsage,
});

export { parseDurationMs, parseSizeMiB } from "../units.js";
