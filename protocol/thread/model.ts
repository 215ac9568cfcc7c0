import { z } from "zod";
import { Name } from "../names.js";

/** Thread statuses (R-M1); the allowed transitions live in daemon/thread/state-machine.ts. */
export const THREAD_STATUSES = ["open", "waiting", "disputed", "blocked", "resolved", "closed"] as const;
export const ThreadStatus = z.enum(THREAD_STATUSES).describe("open, waiting, disputed, blocked, resolved or closed");
export type ThreadStatus = z.infer<typeof ThreadStatus>;

export const MESSAGE_KINDS = ["message", "finding", "status", "system"] as const;
export const MessageKind = z
  .enum(MESSAGE_KINDS)
  .describe("message: conversation; finding: a problem found (repeats are counted); status: a progress report; system: written by the daemon");
export type MessageKind = z.infer<typeof MessageKind>;

/** Roles an agent token carries (R-M4); what each may call is protocol/thread/roles.ts. */
export const AGENT_ROLES = ["participant", "coordinator", "auditor"] as const;
export const AgentRole = z
  .enum(AGENT_ROLES)
  .describe("participant: works in its threads; coordinator: steers every thread of its workspace; auditor: reads only");
export type AgentRole = z.infer<typeof AgentRole>;

export const ThreadId = z
  .string()
  .regex(/^th-[1-9][0-9]*$/, "thread ids look like th-1")
  .describe("thread id, th-N");
export const AgentId = Name.describe("agent id: a runtime's name unless it was started with another");
export const Workspace = Name.describe("workspace the thread (or agent) belongs to");
export const Seq = z.number().int().min(0).describe("message sequence number within its thread: 1, 2, 3… with no gaps");
export const Reason = z.string().trim().min(1, "a reason is required").max(2000).describe("why; recorded in the audit log");
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .describe("the same key again (same thread, same author) returns the first result instead of writing twice");

/**
 * How an agent call proves who makes it (R-M4, R-O5). Sent as the `auth` param; a call
 * without it is the operator's. The MCP bridge fills it in, so tools never show it.
 */
export const AgentAuth = z
  .object({
    token: z.string().min(20).max(4096).describe("the agent token from agent.token_mint (compact JWS)"),
    nonce: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,128}$/, "a nonce is 16-128 characters of [A-Za-z0-9_-]")
      .describe("fresh per call; a nonce seen before with the same token is a replay and is refused"),
  })
  .strict()
  .describe("agent credentials; omit for operator calls");
export type AgentAuth = z.infer<typeof AgentAuth>;

export const Participant = z.object({
  agent_id: z.string(),
  role: z.string().describe("role within this thread, e.g. executor, reviewer (free label; permissions come from the token's role)"),
  last_read_seq: Seq.describe("the participant's read cursor"),
  unread: z.number().int().describe("messages after the cursor written by others"),
  joined_at: z.string(),
});
export type Participant = z.infer<typeof Participant>;

export const Escalation = z.object({
  kind: z.enum(["no_progress", "repeated_finding", "manual"]),
  reason: z.string(),
  by: z.string(),
  at: z.string(),
  seq: Seq.describe("the system message that records it"),
});
export type Escalation = z.infer<typeof Escalation>;

export const Thread = z.object({
  id: z.string(),
  workspace: z.string(),
  type: z.string(),
  title: z.string(),
  status: ThreadStatus,
  status_reason: z.string().nullable(),
  ticket_id: z.string().nullable(),
  participants: z.array(Participant),
  last_seq: Seq.describe("seq of the newest message (0: none yet)"),
  unread: z.number().int().describe("unread messages for the caller (or for `agent` in thread.list)"),
  no_progress_turns: z.number().int().describe("agent posts since the last progress; the thread blocks at threads.no_progress_turns"),
  escalation: Escalation.nullable().describe("the open escalation, if any; cleared by unblock or override"),
  summary: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Thread = z.infer<typeof Thread>;

export const Message = z.object({
  thread_id: z.string(),
  seq: Seq,
  author: z.string().describe("agent id, `operator` or `system`"),
  kind: MessageKind,
  body: z.string(),
  in_reply_to: Seq.nullable(),
  progress: z.boolean().describe("the author marked this message as progress (resets the no-progress count)"),
  idempotency_key: z.string().nullable(),
  schema_version: z.number().int(),
  created_at: z.string(),
});
export type Message = z.infer<typeof Message>;

export const AgentSession = z.object({
  agent_id: z.string(),
  session_id: z.string(),
  workspace: z.string(),
  runtime: z.string().nullable(),
  runtime_kind: z.string().nullable(),
  resumable: z.boolean(),
  created_at: z.string(),
  last_heartbeat_at: z.string(),
});
export type AgentSession = z.infer<typeof AgentSession>;
