import { z } from "zod";
import { defineMethod } from "../method.js";
import { Name } from "../names.js";

/** Ticket states (R-T1); the allowed transitions live in daemon/ticket/state-machine.ts. */
export const TICKET_STATES = ["backlog", "ready", "claimed", "running", "review", "done", "failed", "cancelled", "blocked"] as const;
export const TicketState = z.enum(TICKET_STATES);
export type TicketState = z.infer<typeof TicketState>;

export const TicketId = Name.describe("ticket id: given by you (tickets as files) or assigned as t-N");
const Label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$/, "labels use letters, digits, '.', '_', ':', '/', '-' (at most 63)");

export const Ticket = z.object({
  id: z.string(),
  workspace: z.string(),
  title: z.string(),
  body: z.string(),
  priority: z.number().int().describe("higher runs first"),
  labels: z.array(z.string()),
  state: TicketState,
  state_reason: z.string().nullable(),
  depends_on: z.array(z.string()),
  requires_approval: z.boolean(),
  agent_kind: z.string().nullable(),
  timeout_ms: z.number().int().nullable(),
  max_attempts: z.number().int().nullable(),
  attempts: z.number().int(),
  lease_owner: z.string().nullable(),
  lease_expires_at: z.number().int().nullable().describe("ms since epoch"),
  not_before: z.number().int().nullable().describe("ms since epoch; not claimable before (retry backoff)"),
  result: z.unknown().nullable(),
  inputs: z.record(z.string(), z.unknown()).nullable().describe("parents' results, by parent id, set when the ticket became ready"),
  workflow_id: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  source_file: z.string().nullable().describe("the Markdown file this ticket is synced from, if any"),
  version: z.number().int().describe("incremented on every change"),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Ticket = z.infer<typeof Ticket>;

/** Fields a client may set on create (shared by submit, workflows and files). */
export const TicketFields = z.object({
  id: TicketId.optional(),
  workspace: Name.default("default"),
  title: z.string().trim().min(1, "title must not be empty").max(200, "title is at most 200 characters"),
  body: z.string().default("").describe("the size limit is tickets.max_body_bytes"),
  priority: z.number().int().min(-1000).max(1000).default(0),
  labels: z.array(Label).max(32).default([]),
  depends_on: z.array(TicketId).max(256).default([]),
  requires_approval: z.boolean().default(false),
  agent_kind: Name.optional(),
  timeout_ms: z
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
});
export type TicketFields = z.input<typeof TicketFields>;

const IdempotencyKey = z.string().min(1).max(200);

export const ticketSubmit = defineMethod({
  name: "ticket.submit",
  summary: "Create a ticket. With an idempotency_key already used, returns that ticket instead (created=false).",
  mutating: true,
  params: TicketFields.extend({ idempotency_key: IdempotencyKey.optional() }),
  result: z.object({ ticket: Ticket, created: z.boolean() }),
});

export const ticketGet = defineMethod({
  name: "ticket.get",
  summary: "One ticket by id.",
  mutating: false,
  params: z.object({ id: TicketId }),
  result: Ticket,
});

export const ticketList = defineMethod({
  name: "ticket.list",
  summary: "Tickets, newest first, filtered by state, workspace, label or workflow.",
  mutating: false,
  params: z
    .object({
      state: TicketState.optional(),
      workspace: Name.optional(),
      label: z.string().optional(),
      workflow_id: z.string().optional(),
      limit: z.number().int().min(1).max(10000).default(1000),
    })
    .default({ limit: 1000 }),
  result: z.object({ tickets: z.array(Ticket) }),
});

export const ticketUpdate = defineMethod({
  name: "ticket.update",
  summary: "Change a ticket's fields (not its state or dependencies). With `version`, refused if the ticket changed since.",
  mutating: true,
  params: z.object({
    id: TicketId,
    version: z.number().int().optional(),
    title: TicketFields.shape.title.optional(),
    body: z.string().optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    labels: z.array(Label).max(32).optional(),
    requires_approval: z.boolean().optional(),
    agent_kind: Name.nullable().optional(),
    timeout_ms: z.number().int().min(1000).nullable().optional(),
    max_attempts: z.number().int().min(1).max(100).nullable().optional(),
  }),
  result: Ticket,
});

export const ticketTransition = defineMethod({
  name: "ticket.transition",
  summary:
    "Move a ticket to another state, validated against the state machine. With `from`, refused (CONFLICT) unless the ticket is in that state. `result` records the ticket's result.",
  mutating: true,
  params: z.object({
    id: TicketId,
    to: TicketState,
    from: TicketState.optional(),
    reason: z.string().max(2000).optional(),
    actor: z.string().max(200).optional(),
    result: z.unknown().optional(),
  }),
  result: Ticket,
});

export const ticketCancel = defineMethod({
  name: "ticket.cancel",
  summary: "Cancel a ticket (its history is kept).",
  mutating: true,
  params: z.object({ id: TicketId, reason: z.string().max(2000).optional() }),
  result: Ticket,
});

export const ticketRetry = defineMethod({
  name: "ticket.retry",
  summary: "Put a failed, cancelled or blocked ticket back in the queue (backlog, promoted to ready when its dependencies are done).",
  mutating: true,
  params: z.object({ id: TicketId, reason: z.string().max(2000).optional() }),
  result: Ticket,
});

export const ticketDeps = defineMethod({
  name: "ticket.deps",
  summary: "Add or remove dependencies. A dependency that would close a cycle is refused, naming the cycle.",
  mutating: true,
  params: z.object({ id: TicketId, add: z.array(TicketId).default([]), remove: z.array(TicketId).default([]) }),
  result: Ticket,
});

export const TransitionRecord = z.object({
  seq: z.number().int(),
  ticket_id: z.string(),
  from: TicketState.nullable(),
  to: TicketState,
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  ts: z.string(),
});

export const ticketHistory = defineMethod({
  name: "ticket.history",
  summary: "Every state change of a ticket, oldest first.",
  mutating: false,
  params: z.object({ id: TicketId }),
  result: z.object({ transitions: z.array(TransitionRecord) }),
});

export const WorkflowNode = TicketFields.omit({ id: true, depends_on: true }).extend({
  key: Name.describe("the node's name inside this workflow"),
  workspace: Name.optional().describe("default: the workflow's workspace, else `default`"),
  id: TicketId.optional(),
  depends_on: z.array(z.string()).max(256).default([]).describe("keys of other nodes, or ids of existing tickets"),
});

export const Workflow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  created_at: z.string(),
});

export const WorkflowStatus = z.object({
  workflow: Workflow,
  state: z.enum(["pending", "running", "done", "failed"]).describe("done when every child is done; failed when any failed or was cancelled"),
  counts: z.record(z.string(), z.number().int()),
  tickets: z.array(Ticket.extend({ key: z.string() })),
});

export const ticketWorkflowSubmit = defineMethod({
  name: "ticket.workflow_submit",
  summary: "Create a whole DAG of tickets in one transaction: any error creates nothing.",
  mutating: true,
  params: z.object({
    name: z.string().max(200).optional(),
    idempotency_key: IdempotencyKey.optional(),
    workspace: Name.optional().describe("default workspace of the nodes"),
    tickets: z.array(WorkflowNode).min(1).max(1000),
  }),
  result: WorkflowStatus.extend({ created: z.boolean() }),
});

export const ticketWorkflow = defineMethod({
  name: "ticket.workflow",
  summary: "A workflow and every child's state.",
  mutating: false,
  params: z.object({ id: z.string() }),
  result: WorkflowStatus,
});

export const LintProblem = z.object({ file: z.string(), message: z.string(), line: z.number().int().nullable() });

export const ticketLint = defineMethod({
  name: "ticket.lint",
  summary: "Check a folder of ticket files (Markdown with YAML front matter) without changing anything.",
  mutating: false,
  params: z.object({ dir: z.string().min(1) }),
  result: z.object({ dir: z.string(), files: z.number().int(), ok: z.boolean(), problems: z.array(LintProblem) }),
});

export const ticketPlanSubmit = defineMethod({
  name: "ticket.plan_submit",
  summary: "Submit a folder of ticket files as ONE workflow: every file needs a title and acceptance criteria; any problem submits nothing.",
  mutating: true,
  params: z.object({ dir: z.string().min(1), name: z.string().max(200).optional() }),
  result: z.object({
    dir: z.string(),
    files: z.number().int(),
    ok: z.boolean(),
    problems: z.array(LintProblem),
    workflow: WorkflowStatus.extend({ created: z.boolean() }).nullable(),
  }),
});

export const ticketWatch = defineMethod({
  name: "ticket.watch",
  summary: "Watch a tickets/ folder and sync its files into the queue (kept across restarts).",
  mutating: true,
  params: z.object({ dir: z.string().min(1) }),
  result: z.object({ dir: z.string(), synced: z.number().int(), problems: z.array(LintProblem) }),
});

export const ticketUnwatch = defineMethod({
  name: "ticket.unwatch",
  summary: "Stop watching a folder registered with ticket.watch (its tickets stay).",
  mutating: true,
  params: z.object({ dir: z.string().min(1) }),
  result: z.object({ dir: z.string(), removed: z.boolean() }),
});

export const ticketWatches = defineMethod({
  name: "ticket.watches",
  summary: "Folders being watched, from config (tickets.watch) and from ticket.watch.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({ dirs: z.array(z.object({ dir: z.string(), from: z.enum(["config", "rpc"]) })) }),
});
