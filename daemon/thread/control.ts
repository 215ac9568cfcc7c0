import type { Statement } from "better-sqlite3";
import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/thread.js";
import type { Escalation, ThreadStatus } from "../../protocol/thread/model.js";
import type { Caller } from "../identity/guard.js";
import { denied } from "../identity/tokens.js";
import type { HandlerEntry } from "../rpc/handler.js";
import type { Db } from "../store/db.js";
import { assertCanSee } from "./access.js";
import type { ThreadDeps } from "./deps.js";
import type { BlockDecision } from "./loops.js";
import { Replays } from "./replays.js";
import { assertThreadTransition, canThreadTransition, isGuarded } from "./state-machine.js";

/** A message written by the daemon itself (kind system); returns its seq. */
export function systemMessage(d: ThreadDeps, id: string, body: string): number {
  return d.messages.append(id, { author: "system", kind: "system", body, in_reply_to: null, progress: false, idempotency_key: null }).message.seq;
}

function escalate(d: ThreadDeps, id: string, kind: Escalation["kind"], reason: string, by: string): void {
  const seq = systemMessage(d, id, `escalated to the operator by ${by}: ${reason}`);
  d.threads.setEscalation(id, { kind, reason, by, at: new Date().toISOString(), seq });
  if (kind === "manual") d.events.append("thread.escalated", id, { id, kind, reason, by, seq });
}

/** A loop breaker fired: block the thread (when its status allows) and escalate, as `policy`. */
export function blockByPolicy(d: ThreadDeps, id: string, decision: BlockDecision): void {
  const t = d.threads.row(id);
  if (canThreadTransition(t.status, "blocked")) d.threads.setStatus(id, t.status, "blocked", decision.kind, "policy");
  escalate(d, id, decision.kind, decision.reason, "policy");
  d.loops.recordBlock(id, decision, d.threads.row(id).last_seq);
}

/** Leaving blocked or force-closing a disputed thread: operator, or a coordinator with a reason; never a participant. */
function assertMayChange(id: string, from: ThreadStatus, to: ThreadStatus, caller: Caller, reason: string | undefined): void {
  if (!isGuarded(from, to)) return;
  if (caller.role !== "operator" && caller.role !== "coordinator") {
    const what = from === "blocked" ? "unblock" : `move a disputed thread to ${to}`;
    throw denied("role", `a ${caller.role} cannot ${what} (thread ${id}); the operator or a coordinator can, with a reason`, { id, from, to });
  }
  if (!reason)
    throw new SwarmError("INVALID_ARGUMENT", `thread ${id}: going from ${from} to ${to} needs a reason (it is audited)`, { details: { id, from, to } });
}

function clearBlock(d: ThreadDeps, id: string): void {
  d.threads.setEscalation(id, null);
  d.loops.reset(id);
}

type FindingSummary = { hash: string; cycles: number; first_seq: number; last_seq: number; excerpt: string };

function summarize(d: ThreadDeps, counts: Statement, findings: Statement, p: { id: string; text?: string }, caller: Caller) {
  assertCanSee(d.threads, p.id, caller);
  if (p.text !== undefined) {
    if (caller.role === "auditor") throw denied("role", "an auditor reads summaries; it cannot write them");
    d.threads.setSummary(p.id, p.text);
    d.events.append("thread.summarized", p.id, { id: p.id, by: caller.label });
  }
  const thread = d.threads.get(p.id, caller.id);
  const byKind = Object.fromEntries((counts.all(p.id) as { kind: string; n: number }[]).map((r) => [r.kind, r.n]));
  return { thread, summary: thread.summary, counts: byKind, findings: findings.all(p.id) as FindingSummary[] };
}

/** thread.trigger: recorded (the event), then handed to the wake service in the same transaction. */
function trigger(d: ThreadDeps, p: { id: string; participant?: string; reason?: string }, caller: Caller) {
  assertCanSee(d.threads, p.id, caller);
  const all = d.threads.get(p.id, caller.id).participants.map((x) => x.agent_id);
  if (p.participant !== undefined && !all.includes(p.participant))
    throw new SwarmError("NOT_FOUND", `${p.participant} does not take part in thread ${p.id}`, { details: { id: p.id, participants: all } });
  const participants = p.participant !== undefined ? [p.participant] : all.filter((a) => a !== caller.id);
  const ev = d.events.append("thread.trigger_requested", p.id, { id: p.id, participants, reason: p.reason ?? null, by: caller.label });
  const wakes = d.wake ? d.wake.trigger(p.id, participants, p.reason ?? null, caller.label) : [];
  return { status: "queued" as const, thread_id: p.id, participants, event_id: ev.id, wakes };
}

type StatusParams = ReturnType<typeof m.threadStatus.params.parse>;

/** thread.status: the status table, the roles' rules, a block cleared when leaving blocked. */
function setStatus(d: ThreadDeps, p: StatusParams, caller: Caller) {
  const { threads } = d;
  assertCanSee(threads, p.id, caller);
  const t = threads.row(p.id);
  if (p.from && p.from !== t.status)
    throw new SwarmError("CONFLICT", `thread ${p.id} is ${t.status}, not ${p.from}`, { details: { id: p.id, status: t.status } });
  assertThreadTransition(p.id, t.status, p.to);
  assertMayChange(p.id, t.status, p.to, caller, p.reason);
  if (t.status === "blocked") clearBlock(d, p.id);
  threads.setStatus(p.id, t.status, p.to, p.reason ?? null, caller.label);
  return threads.get(p.id, caller.id);
}

export function controlHandlers(d: ThreadDeps, db: Db): HandlerEntry[] {
  const { guard, threads } = d;
  const counts = db.prepare("SELECT kind, COUNT(*) AS n FROM thread_messages WHERE thread_id = ? GROUP BY kind");
  const findings = db.prepare("SELECT hash, cycles, first_seq, last_seq, excerpt FROM thread_findings WHERE thread_id = ? ORDER BY cycles DESC, first_seq");
  const replays = new Replays(db);
  return [
    guard.handle(m.threadStatus, (p, caller) => replays.once(caller.id, "thread.status", p.idempotency_key, () => setStatus(d, p, caller))),
    guard.handle(m.threadEscalate, (p, caller) => {
      assertCanSee(threads, p.id, caller);
      escalate(d, p.id, "manual", p.reason, caller.label);
      return threads.get(p.id, caller.id);
    }),
    guard.handle(m.threadUnblock, (p, caller) => {
      assertCanSee(threads, p.id, caller);
      const t = threads.row(p.id);
      if (t.status !== "blocked")
        throw new SwarmError("INVALID_TRANSITION", `thread ${p.id} is ${t.status}, not blocked; nothing to unblock`, {
          details: { id: p.id, from: t.status, to: p.to, allowed: [] },
        });
      assertThreadTransition(p.id, t.status, p.to);
      clearBlock(d, p.id);
      threads.setStatus(p.id, t.status, p.to, p.reason, caller.label);
      d.events.append("thread.unblocked", p.id, { id: p.id, to: p.to, reason: p.reason, by: caller.label });
      return threads.get(p.id, caller.id);
    }),
    guard.handle(m.threadOverride, (p, caller) => {
      const t = threads.row(p.id);
      clearBlock(d, p.id);
      threads.setStatus(p.id, t.status, p.to, p.reason, caller.label);
      d.events.append("thread.overridden", p.id, { id: p.id, from: t.status, to: p.to, reason: p.reason });
      return threads.get(p.id, caller.id);
    }),
    guard.handle(m.threadSummarize, (p, caller) => summarize(d, counts, findings, p, caller)),
    guard.handle(m.threadTrigger, (p, caller) => replays.once(caller.id, "thread.trigger", p.idempotency_key, () => trigger(d, p, caller))),
  ];
}
