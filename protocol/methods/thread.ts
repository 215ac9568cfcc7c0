import { z } from "zod";
import { defineMethod } from "../method.js";
import {
  AgentAuth,
  AgentId,
  AgentSession,
  IdempotencyKey,
  Message,
  MessageKind,
  Reason,
  Seq,
  Thread,
  ThreadId,
  ThreadStatus,
  Workspace,
} from "../thread/model.js";

const auth = AgentAuth.optional();
const Body = z.string().min(1, "a message body must not be empty").describe("message text; the size limit is threads.max_body_bytes");

export const threadCreate = defineMethod({
  name: "thread.create",
  summary: "Start a thread. An agent caller joins it as a participant; with an idempotency_key already used by the same creator, returns that thread.",
  mutating: true,
  params: z.object({
    title: z.string().trim().min(1, "title must not be empty").max(200, "title is at most 200 characters").describe("what the thread is about"),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, "a type is lower-case letters, digits, '_' or '-'")
      .default("discussion")
      .describe("e.g. discussion, review"),
    workspace: Workspace.optional().describe("defaults to the agent's workspace, or `default` for the operator"),
    participants: z
      .array(
        z
          .object({
            agent_id: AgentId,
            role: z
              .string()
              .regex(/^[a-z][a-z0-9_-]{0,31}$/)
              .default("participant"),
          })
          .strict(),
      )
      .max(64)
      .default([])
      .describe("agents taking part, with their role in this thread (executor, reviewer…)"),
    ticket_id: z.string().min(1).max(63).optional().describe("ticket this thread belongs to (must exist)"),
    idempotency_key: IdempotencyKey.optional(),
    auth,
  }),
  result: z.object({ thread: Thread, created: z.boolean().describe("false when an idempotency_key returned an earlier thread") }),
});

export const threadGet = defineMethod({
  name: "thread.get",
  summary: "One thread with its participants, cursors and unread counts.",
  mutating: false,
  params: z.object({ id: ThreadId, auth }),
  result: Thread,
});

export const threadList = defineMethod({
  name: "thread.list",
  summary: "Threads, most recently updated first. An agent sees the threads it takes part in (a coordinator or auditor: its whole workspace).",
  mutating: false,
  params: z
    .object({
      workspace: Workspace.optional(),
      status: ThreadStatus.optional(),
      participant: AgentId.optional().describe("only threads this agent takes part in"),
      ticket_id: z.string().optional(),
      escalated: z.boolean().optional().describe("only threads with an open escalation"),
      agent: AgentId.optional().describe("whose unread counts to report (operator calls; an agent always gets its own)"),
      limit: z.number().int().min(1).max(10000).default(500),
      auth,
    })
    .default({ limit: 500 }),
  result: z.object({ threads: z.array(Thread) }),
});

export const threadPost = defineMethod({
  name: "thread.post",
  summary: "Append a message; it gets the thread's next seq. With an idempotency_key already used by the same author, returns that message (created=false).",
  mutating: true,
  params: z.object({
    id: ThreadId,
    body: Body,
    kind: MessageKind.default("message"),
    as: AgentId.optional().describe("author: the operator may post as an agent; an agent may only name itself"),
    in_reply_to: Seq.min(1).optional().describe("seq of the message this answers"),
    progress: z.boolean().default(false).describe("this message reports progress (a commit, a passing test): resets the no-progress count"),
    idempotency_key: IdempotencyKey.optional(),
    auth,
  }),
  result: z.object({ message: Message, created: z.boolean(), thread: Thread }),
});

export const threadRead = defineMethod({
  name: "thread.read",
  summary: "Messages in seq order after `since`. Reading does not move the read cursor; thread.ack does.",
  mutating: false,
  params: z.object({
    id: ThreadId,
    since: Seq.optional().describe("return messages with seq > since; omitted: after the reader's cursor (the operator: from the start)"),
    limit: z.number().int().min(1).max(10000).default(500),
    as: AgentId.optional().describe("whose cursor `since` defaults to (operator calls)"),
    auth,
  }),
  result: z.object({
    messages: z.array(Message),
    last_seq: Seq,
    last_read_seq: Seq.describe("the reader's cursor"),
    unread: z.number().int().describe("unread messages for the reader"),
  }),
});

export const threadAck = defineMethod({
  name: "thread.ack",
  summary: "Move the reader's cursor to `seq` (never backwards). Unread counts drop accordingly.",
  mutating: true,
  params: z.object({
    id: ThreadId,
    seq: Seq.describe("the last message read; omitted: the newest").optional(),
    as: AgentId.optional().describe("whose cursor (operator calls); default `operator`"),
    auth,
  }),
  result: z.object({ last_read_seq: Seq, unread: z.number().int(), moved: z.boolean() }),
});

export const threadStatus = defineMethod({
  name: "thread.status",
  summary:
    "Change a thread's status, validated against the status table. Leaving `blocked` is thread.unblock; closing or resolving a `disputed` thread needs the operator or a coordinator, with a reason.",
  mutating: true,
  params: z.object({
    id: ThreadId,
    to: ThreadStatus,
    from: ThreadStatus.optional().describe("refused (CONFLICT) unless the thread is in this status"),
    reason: Reason.optional(),
    idempotency_key: IdempotencyKey.optional().describe("a retry with the key the same caller used before returns that first result and changes nothing"),
    auth,
  }),
  result: Thread,
});

export const threadSummarize = defineMethod({
  name: "thread.summarize",
  summary: "The thread's summary and counts (messages by kind, repeated findings, unread per participant). With `text`, first stores it as the summary.",
  mutating: true,
  params: z.object({
    id: ThreadId,
    text: z.string().trim().min(1).max(16000).optional().describe("a new summary to store (written by an agent or the operator)"),
    auth,
  }),
  result: z.object({
    thread: Thread,
    summary: z.string().nullable(),
    counts: z.record(z.string(), z.number().int()).describe("messages by kind"),
    findings: z.array(
      z.object({
        hash: z.string().describe("sha256 of the normalised finding text"),
        cycles: z.number().int().describe("cycles in which it was raised"),
        first_seq: Seq,
        last_seq: Seq,
        excerpt: z.string(),
      }),
    ),
  }),
});

export const threadEscalate = defineMethod({
  name: "thread.escalate",
  summary: "Raise the thread to the operator (thread.escalated event); the thread keeps its status.",
  mutating: true,
  params: z.object({ id: ThreadId, reason: Reason, auth }),
  result: Thread,
});

export const threadUnblock = defineMethod({
  name: "thread.unblock",
  summary: "Return a blocked thread to `to` (default open), clearing its escalation and loop counters. Operator or coordinator; needs a reason.",
  mutating: true,
  params: z.object({ id: ThreadId, reason: Reason, to: ThreadStatus.default("open"), auth }),
  result: Thread,
});

export const threadOverride = defineMethod({
  name: "thread.override",
  summary: "Operator only: set any status regardless of the status table and role rules (e.g. reopen a closed thread), clearing escalation and loop counters.",
  mutating: true,
  params: z.object({ id: ThreadId, to: ThreadStatus, reason: Reason, auth }),
  result: Thread,
});

export const sessionHeartbeat = defineMethod({
  name: "session.heartbeat",
  summary: "Record that an agent session is alive (creates it on first beat). An agent's ids come from its token.",
  mutating: true,
  params: z.object({
    agent_id: AgentId.optional().describe("required for operator calls"),
    session_id: z.string().min(1).max(200).optional().describe("logical session id; required for operator calls"),
    workspace: Workspace.optional(),
    runtime: z.string().min(1).max(63).optional().describe("runtime the session runs in"),
    runtime_kind: z.string().min(1).max(63).optional().describe("claude, codex, gemini, shell…"),
    resumable: z.boolean().optional().describe("the agent CLI can resume this session"),
    auth,
  }),
  result: AgentSession,
});

export const bridgeHello = defineMethod({
  name: "bridge.hello",
  summary:
    "Said by the agent bridge (swarmctl mcp) once its agent CLI finished the MCP handshake: the runtime the token names leaves `starting` for `idle` only after this (runtime.bridge_wait_ms), so its first turn has swarm's tools. Agent token only.",
  mutating: true,
  params: z.object({ auth }),
  result: z.object({
    runtime: z.string().describe("the runtime the token was minted for"),
    waited_ms: z.number().int().nullable().describe("how long that runtime was held for its bridge; null when it was not held"),
  }),
});

export const threadTrigger = defineMethod({
  name: "thread.trigger",
  summary:
    "Ask the daemon to wake a participant (or every other participant) to look at the thread. Records a thread.trigger_requested event and hands each participant to the wake service (docs/wake.md); `wakes` says what became of each.",
  mutating: true,
  params: z.object({
    id: ThreadId,
    participant: AgentId.optional().describe("the participant to wake; omitted: every participant but the caller"),
    reason: z.string().trim().min(1).max(2000).optional().describe("what it should look at"),
    idempotency_key: IdempotencyKey.optional().describe("a retry with the key the same caller used before returns that first result and wakes nobody again"),
    auth,
  }),
  result: z.object({
    status: z.literal("queued").describe("recorded and handed to the wake service, which wakes each participant asynchronously"),
    thread_id: z.string(),
    participants: z.array(z.string()).describe("who is to be woken"),
    event_id: z.number().int().describe("the thread.trigger_requested event"),
    wakes: z
      .array(
        z.object({
          participant: z.string(),
          wake_id: z.string().describe("see `swarmctl wake show ID`"),
          outcome: z.string().nullable().describe("null while pending; refused_unmanaged when the participant has no runtime swarm may type into; deduped…"),
          deduped_into: z.string().nullable().describe("the pending wake this one was folded into"),
        }),
      )
      .default([])
      .describe("one wake per participant"),
  }),
});
