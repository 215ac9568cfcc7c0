/** Events of threads, agent sessions and agent tokens; merged into EVENT_TYPES (protocol/events.ts). */
export const THREAD_EVENT_TYPES: Record<string, string> = {
  "thread.created": "A thread was created (data: id, workspace, type, title, participants, ticket_id, by); subject = thread id.",
  "thread.message_posted": "A message was appended (data: id, seq, author, kind, in_reply_to); the body is read with thread.read.",
  "thread.read_advanced": "A reader's cursor moved (data: id, reader, last_read_seq, unread).",
  "thread.status_changed": "A thread's status changed (data: id, from, to, reason, by); automatic blocks have by = `policy`.",
  "thread.escalated":
    "A thread needs the operator (data: id, kind: no_progress, repeated_finding or manual, reason, by, seq); loop breakers raise it when they block a thread.",
  "thread.unblocked": "A blocked thread was returned to work (data: id, to, reason, by).",
  "thread.overridden": "The operator set a thread's status regardless of policy (data: id, from, to, reason).",
  "thread.summarized": "A thread's summary was replaced (data: id, by).",
  "thread.trigger_requested":
    "A caller asked for participants to be woken to look at a thread (data: id, participants, reason, by); the wake service acts on it (until then it is only recorded).",
  "session.started": "An agent session sent its first heartbeat (data: agent_id, session_id, workspace, runtime, runtime_kind, resumable).",
  "agent.token_minted": "An agent token was minted (data: agent_id, workspace_id, role, session_id, jti, exp; never the token).",
  "agent.revoked": "Agent tokens were revoked (data: jti?, agent_id?, session_id?, count, reason).",
};
