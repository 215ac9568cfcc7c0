import { z } from "zod";
import { THREAD_EVENT_TYPES } from "./thread/events.js";

/**
 * One entry of the daemon's event log. The `events` table is the source of the stream:
 * ids are strictly increasing, so a client resumes with the last id it saw (R-P3).
 */
export const EventRecord = z.object({
  id: z.number().int().positive(),
  ts: z.string().describe("ISO-8601 time the event was recorded"),
  type: z.string(),
  schema_version: z.number().int(),
  subject: z.string().nullable().describe("what the event is about, e.g. an environment or ticket name"),
  data: z.record(z.string(), z.unknown()),
});
export type EventRecord = z.infer<typeof EventRecord>;

/**
 * Known event types with a description. Domains add theirs here so the docs list them;
 * clients must ignore types they do not know (additive changes stay compatible).
 */
export const EVENT_TYPES: Record<string, string> = {
  "daemon.started": "The daemon started and is accepting connections.",
  "daemon.stopping": "The daemon received a shutdown request or signal.",
  "config.reloaded": "The config file changed and the new config is in force.",
  "config.invalid": "The config file changed but is invalid; the previous config stays in force.",
  "env.progress": "Progress of a long environment operation (create, start, copy): data {op, phase, done?, total?, message?}; subject = environment.",
  "env.created": "An environment was created and is running.",
  "env.create_failed": "Creating an environment failed; what it made was removed.",
  "env.started": "An environment was started.",
  "env.stopped": "An environment was stopped (data.reason: requested or idle).",
  "env.idle_stopped": "An environment had no exec/PTY activity for env.idle_stop_after and was stopped.",
  "env.deleted": "An environment was deleted.",
  "env.restored_deleted": "A deleted environment was brought back from its provider's trash.",
  "env.checkpointed": "A checkpoint of an environment was saved.",
  "env.restored": "An environment was restored to a checkpoint.",
  "env.adopted": "After a daemon start, an environment was found alive by its provider.",
  "env.lost": "After a daemon start, an environment's provider no longer has it (lost) or is unavailable (error).",
  "env.create_interrupted":
    "After a daemon start, a create the previous daemon died in was cleaned up by its provider (data: provider, reclaimed, error?); reclaimed = true: the record is gone and the name can be created again; false: the record stays in `error` and `env delete` retries.",
  "vm.base_progress": "A step of `vm init-base` building the VM base image (data: dir, phase, message?, done?, total?); subject = base dir.",
  "vm.base_built":
    "`vm init-base` finished (data: dir, id, up_to_date, ms, loop_delay_max_ms: the longest the daemon's event loop was held meanwhile); subject = base dir.",
  "secret.set": "A secret was set (the value is never in the event).",
  "var.set": "A plain variable was set.",
  "secret.removed": "A variable or secret was removed.",
  "ticket.created": "A ticket was created (data: id, title, workspace, depends_on, actor, workflow_id); subject = ticket id.",
  "ticket.transitioned": "A ticket changed state (data: from, to, reason, actor); every change of state, including automatic ones.",
  "ticket.updated": "A ticket's fields changed (data.fields names them).",
  "ticket.deps_changed": "A ticket's dependencies changed (data: added, removed).",
  "ticket.workflow_submitted": "A workflow (DAG of tickets) was created; data.tickets maps node keys to ticket ids; subject = workflow id.",
  "ticket.file_synced": "A ticket file was applied (data: file, id, action created|updated|cancelled); subject = file path.",
  "ticket.file_error": "A ticket file is malformed or could not be applied (data: file, problems[{message, line}]); the ticket is left as it was.",
  "ticket.watch_error": "A configured tickets folder cannot be watched (missing, not a folder).",
  "ticket.bundled": "A finished ticket's signed result bundle was written (data.path).",
  "ticket.agent_started": "The coordinator started a ticket's agent (data: id, environment, runtime, branch, agent); subject = ticket id.",
  "ticket.prompt_delivered": "A ticket's prompt was delivered to its agent and confirmed (data: id, runtime, runtime_id, ms).",
  "ticket.review_started":
    "coordinator.review: the reviewer runtime of a ticket was started after its executor finished (data: id, runtime, thread, agent); subject = ticket id.",
  "ticket.agent_adopted": "After a daemon restart, a re-claimed ticket carried on with its still-running agent (data: id, runtime, state).",
  "ticket.bundle_failed": "Writing a finished ticket's result bundle failed (data.error); it is retried at daemon start.",
  "metrics.listening": "The Prometheus metrics endpoint is listening (data.url); see metrics.listen.",
  "metrics.listen_failed": "The metrics endpoint could not listen on metrics.listen (data.error); metrics.get still works.",
  "runtime.started": "A runtime's PTY holder started its program (data.id, command, cwd, pid).",
  "runtime.state": "A runtime's detected state changed (data.state, previous, why: the rule that fired).",
  "runtime.exited": "A runtime's program exited; its output was drained first (data.exit_code, signal, bytes).",
  "runtime.adopted": "After a daemon restart, a runtime still alive was re-attached with its screen.",
  "runtime.lost": "A runtime's PTY holder vanished without an exit status (or an unmanaged runtime stopped heartbeating).",
  "runtime.registered": "An unmanaged runtime (e.g. a tmux pane) was registered (data.pty_backend, target).",
  "runtime.deregistered": "An unmanaged runtime's record was removed.",
  "runtime.session": "A runtime's agent session id was recorded (data.id, session_id, how: pinned at start, session file, or screen).",
  "runtime.bridge_connected":
    "The swarm bridge (swarmctl mcp) of a runtime the daemon wired said hello: its agent CLI finished the MCP handshake, so its first turn has swarm's tools (data.id, waited_ms).",
  "runtime.resumed": "An ended runtime's agent session was continued as a new generation (data.id, resumed_from, session_id, generation, headless).",
  "approval.requested": "An approval was requested (data: ticket_id, requested_by, files_changed); subject = approval id.",
  "approval.approved": "A person approved (data: actor, reason, ticket_to).",
  "approval.rejected": "A person rejected (data: actor, reason, ticket_to).",
  "approval.clarification_requested": "A person asked for clarification (data: actor, reason, ticket_to).",
  "approval.expired": "A pending approval passed its deadline and became approvals.expire_outcome (actor `policy`).",
  ...THREAD_EVENT_TYPES,
  "user.*": "Any event a client published with event.publish (type must start with `user.`).",
};

export { NOTIFICATIONS } from "./notifications.js";
