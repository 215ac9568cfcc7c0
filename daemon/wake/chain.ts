/**
 * One wake's way from "unread messages" to an outcome (R-M6, R-M7): wait for an idle,
 * quiet runtime; inject the trigger through the manager's send; count it delivered only
 * when the agent acknowledges (read cursor moves, or its session heartbeats); otherwise
 * retry with backoff, resume the exact session (at most max_resumes, never a session
 * silent for stale_session_ms), spawn a new session seeded with the thread's summary,
 * and fail. Every step is recorded on the wake and in the audit log with its reason code.
 *
 * Each function returns the ms until the wake wants to look again (a deadline or a
 * backoff), or null when it waits on an event (the runtime turning idle, an ack) or ended.
 */
import type { WakeOutcome } from "../../protocol/methods/wake.js";
import { renderTrigger } from "./collision.js";
import type { WakeTarget } from "./ports.js";
import { record, type StepIn, type WakeDeps } from "./records.js";
import type { WakeRow, WakeStage } from "./store.js";

const ENDED: ReadonlySet<string> = new Set(["exited", "lost"]);
const OUTCOME_OF_ACK: Record<WakeStage, WakeOutcome> = { inject: "acked", resume: "resumed", spawn: "spawned" };

export type Next = number | null;

/** The trigger for this wake, from the agent kind's template. */
export function triggerText(d: WakeDeps, w: WakeRow, agent: string): string {
  const cfg = d.cfg();
  const from = d.threads.unreadFrom(w.thread, w.participant);
  return renderTrigger(cfg.templates[agent] ?? cfg.default_template, {
    unread: d.threads.unread(w.thread, w.participant),
    thread: w.thread,
    from: from.length ? from.join(", ") : "nobody new",
    wake: w.id,
    participant: w.participant,
    title: d.threads.title(w.thread),
  });
}

function seedPrompt(d: WakeDeps, w: WakeRow, agent: string): string {
  const summary = d.threads.summary(w.thread);
  const text = `You are ${w.participant} in thread ${w.thread} ("${d.threads.title(w.thread)}"). Summary so far: ${summary ?? "(none yet)"}. ${triggerText(d, w, agent)}`;
  return renderTrigger(text, {});
}

/** The agent moved its read cursor past where it was when the current step began. */
export function cursorMoved(d: WakeDeps, w: WakeRow): boolean {
  return d.threads.cursor(w.thread, w.participant) > w.cursor_at;
}

export function ack(d: WakeDeps, w: WakeRow, reason: "cursor_moved" | "heartbeat"): Next {
  record(d, w, { name: "ack", reason, detail: `after ${w.stage}` }, OUTCOME_OF_ACK[w.stage]);
  return null;
}

/** A deferral: recorded once per reason in a row (a long wait is one step, not hundreds). */
function defer(d: WakeDeps, w: WakeRow, s: StepIn, ms: Next): Next {
  const last = w.steps.at(-1);
  if (last?.name === "defer" && last.reason === s.reason) d.tx(() => d.store.save(w));
  else record(d, w, { ...s, name: "defer" });
  return ms;
}

/** A person is in the way (typing, a draft): defer, but never past max_defer_ms. */
function deferForHuman(d: WakeDeps, w: WakeRow, t: WakeTarget, s: StepIn): Promise<Next> | Next {
  const cfg = d.cfg();
  const now = Date.now();
  w.waiting_since ??= new Date(now).toISOString();
  if (now - Date.parse(w.waiting_since) >= cfg.max_defer_ms) return deferredMax(d, w, t);
  return defer(d, w, s, cfg.recheck_ms);
}

async function deferredMax(d: WakeDeps, w: WakeRow, t: WakeTarget): Promise<Next> {
  record(d, w, { name: "deferred_max", reason: "human_active", detail: `deferred ${d.cfg().max_defer_ms} ms; not injected` });
  d.tx(() => d.events.append("wake.deferred_max", w.target, { id: w.id, thread: w.thread, participant: w.participant, resumable: t.resumable }));
  if (t.resumable) return resumePath(d, w, "deferred_max");
  record(d, w, { name: "deferred_max", reason: "not_resumable" }, "deferred_max");
  return null;
}

/** The waiting phase: inject when the runtime is idle, quiet and free of a draft; else say what it waits for. */
export async function tryInject(d: WakeDeps, w: WakeRow): Promise<Next> {
  const force = w.origin === "force";
  const t = w.target ? d.runtimes.target(w.target) : null;
  if (!t) return fail(d, w, "no_runtime", `runtime ${w.target ?? "(none)"} does not exist`);
  if (!t.managed || !t.canSend) return end(d, w, "refused", "unmanaged", "refused_unmanaged");
  if (d.store.isPaused(t.name)) return end(d, w, "paused", "runtime_paused", "paused");
  if (ENDED.has(t.state)) return resumePath(d, w, "runtime_ended");
  if (!force && d.threads.unread(w.thread, w.participant) === 0) return end(d, w, "ack", "read_before_inject", "acked");
  const busyOk = force && (t.state === "working" || t.state === "waiting_input");
  if (t.state !== "idle" && !busyOk) return defer(d, w, { name: "defer", reason: `runtime_${t.state}` }, null);
  if (!force) {
    const cfg = d.cfg();
    const since = d.human.sinceLast(t.name, t.last_human_input_at);
    if (since < cfg.quiet_window_ms) return deferForHuman(d, w, t, { name: "defer", reason: "human_typing", detail: `last keystroke ${since} ms ago` });
    const draft = d.human.draft(t.name);
    if (draft) return deferForHuman(d, w, t, { name: "defer", reason: "draft", detail: `${[...draft].length} character(s) on the input line` });
    const wait = d.rate.take(t.name);
    if (wait > 0) return defer(d, w, { name: "defer", reason: "rate_limited", detail: `next injection in ${wait} ms` }, wait);
  }
  return inject(d, w, t, force);
}

async function inject(d: WakeDeps, w: WakeRow, t: WakeTarget, force: boolean): Promise<Next> {
  const cfg = d.cfg();
  const text = triggerText(d, w, t.agent);
  Object.assign(w, { phase: "ack_wait", stage: "inject", trigger_text: text, waiting_since: null, cursor_at: d.threads.cursor(w.thread, w.participant) });
  w.attempts++;
  w.deadline_at = new Date(Date.now() + cfg.ack_timeout_ms).toISOString();
  // recorded before the write: after a crash here the wake waits for its ack, it is never typed twice
  record(d, w, { name: "inject", reason: force ? "forced" : "idle_quiet", detail: text });
  const release = d.runtimes.holdHumanInput(t.name);
  let r;
  try {
    r = await d.runtimes.inject(t.name, text, { force, quietMs: cfg.quiet_window_ms });
  } catch (err) {
    r = { status: "error" as const, why: err instanceof Error ? err.message : String(err) };
  } finally {
    release();
  }
  if (r.status === "delivered" || r.status === "queued") {
    record(d, w, { name: "ack_wait", reason: r.status, detail: r.why });
    d.tx(() => d.events.append("wake.injected", w.target, { id: w.id, thread: w.thread, attempt: w.attempts, status: r.status }));
    return Math.max(0, Date.parse(w.deadline_at) - Date.now());
  }
  if (r.status === "not_confirmed") {
    // the retry path, sooner than the full ack timeout (an ack still counts until then)
    w.deadline_at = new Date(Date.now() + cfg.retry_backoff_ms).toISOString();
    record(d, w, { name: "ack_wait", reason: "not_confirmed", detail: r.why });
    return cfg.retry_backoff_ms;
  }
  if (r.status === "refused") {
    w.attempts--;
    Object.assign(w, { phase: "waiting", deadline_at: null, trigger_text: null });
    return deferForHuman(d, w, t, { name: "defer", reason: `refused_${r.refusal ?? "other"}`, detail: r.why });
  }
  record(d, w, { name: "inject_failed", reason: "error", detail: r.why });
  return fallback(d, w, "inject_error");
}

/** An injection was not acknowledged in time (or the runtime ended): the next step of the chain. */
export function fallback(d: WakeDeps, w: WakeRow, why: string): Promise<Next> | Next {
  const cfg = d.cfg();
  const t = w.target ? d.runtimes.target(w.target) : null;
  if (w.stage === "inject" && w.attempts < 1 + cfg.retries && t && !ENDED.has(t.state) && t.managed) {
    const backoff = cfg.retry_backoff_ms * 2 ** Math.max(0, w.attempts - 1);
    Object.assign(w, { phase: "waiting", deadline_at: new Date(Date.now() + backoff).toISOString() });
    record(d, w, { name: "retry", reason: why, detail: `attempt ${w.attempts + 1} of ${1 + cfg.retries} in ${backoff} ms` });
    return backoff;
  }
  return resumePath(d, w, why);
}

function resumeSkip(d: WakeDeps, w: WakeRow, t: WakeTarget | null): { skip: string } | { session: string } {
  if (!t) return { skip: "no_runtime" };
  if (!t.resumable) return { skip: "not_resumable" };
  const s = d.sessions.resumeSession(w.participant, t.session_id);
  if (!s) return { skip: "no_session" };
  if (s.last_heartbeat_at && Date.now() - Date.parse(s.last_heartbeat_at) > d.cfg().stale_session_ms) return { skip: "stale_session" };
  return { session: s.session_id };
}

async function resumePath(d: WakeDeps, w: WakeRow, why: string): Promise<Next> {
  const cfg = d.cfg();
  const t = w.target ? d.runtimes.target(w.target) : null;
  if (w.stage === "spawn" || w.resumes >= cfg.max_resumes) return spawnPath(d, w, why);
  const r = resumeSkip(d, w, t);
  if ("skip" in r) {
    record(d, w, { name: "resume_skipped", reason: r.skip, detail: `after ${why}` });
    return spawnPath(d, w, why === "deferred_max" ? why : r.skip);
  }
  w.resumes++;
  Object.assign(w, { stage: "resume", phase: "ack_wait", cursor_at: d.threads.cursor(w.thread, w.participant) });
  w.deadline_at = new Date(Date.now() + cfg.ack_timeout_ms).toISOString();
  record(d, w, { name: "resume", reason: why, detail: `session ${r.session} (resume ${w.resumes} of ${cfg.max_resumes})` });
  const started = await d.runtimes.resume(t!, r.session, triggerText(d, w, t!.agent), `${w.id}-r${w.resumes}`);
  if (!started.ok) {
    record(d, w, { name: "resume_failed", reason: "start_failed", detail: started.why });
    return resumePath(d, w, "resume_failed");
  }
  record(d, w, { name: "ack_wait", reason: "resume_started", detail: started.detail });
  return cfg.ack_timeout_ms;
}

async function spawnPath(d: WakeDeps, w: WakeRow, why: string): Promise<Next> {
  const cfg = d.cfg();
  const t = w.target ? d.runtimes.target(w.target) : null;
  if (w.stage === "spawn" || !cfg.spawn || !t?.spawnable) {
    const reason = w.stage === "spawn" ? "spawn_not_acked" : !cfg.spawn ? "spawn_disabled" : "not_spawnable";
    const outcome: WakeOutcome = why === "deferred_max" ? "deferred_max" : "failed";
    record(d, w, { name: outcome === "failed" ? "failed" : "deferred_max", reason, detail: `after ${why}` }, outcome);
    return null;
  }
  Object.assign(w, { stage: "spawn", phase: "ack_wait", cursor_at: d.threads.cursor(w.thread, w.participant) });
  w.deadline_at = new Date(Date.now() + cfg.ack_timeout_ms).toISOString();
  record(d, w, { name: "spawn", reason: why, detail: `a new ${t.agent} session seeded with the thread's summary` });
  const started = await d.runtimes.spawn(t, seedPrompt(d, w, t.agent), w.id);
  if (!started.ok) return fail(d, w, "spawn_failed", started.why);
  record(d, w, { name: "ack_wait", reason: "spawn_started", detail: started.detail });
  return cfg.ack_timeout_ms;
}

function end(d: WakeDeps, w: WakeRow, name: string, reason: string, outcome: WakeOutcome): Next {
  record(d, w, { name, reason }, outcome);
  return null;
}

function fail(d: WakeDeps, w: WakeRow, reason: string, detail: string): Next {
  record(d, w, { name: "failed", reason, detail }, "failed");
  return null;
}
