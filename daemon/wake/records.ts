import type { WakeConfig } from "../../protocol/config/wake.js";
import type { WakeOutcome, WakeStep } from "../../protocol/methods/wake.js";
import type { AuditLog } from "../audit/log.js";
import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../log/logger.js";
import type { HumanInput, InjectionRate } from "./collision.js";
import type { WakeRuntimes, WakeSessions, WakeThreads } from "./ports.js";
import type { NewWake, WakeRow, WakeStore } from "./store.js";

/** Everything the wake's parts share; built once in daemon/wake/domain.ts. */
export interface WakeDeps {
  store: WakeStore;
  runtimes: WakeRuntimes;
  threads: WakeThreads;
  sessions: WakeSessions;
  events: EventLog;
  audit: AuditLog;
  cfg: () => WakeConfig;
  logger: Logger;
  /** the one Transactor: a step's row, its audit entry and its event commit together */
  tx: <T>(fn: () => T) => T;
  human: HumanInput;
  rate: InjectionRate;
}

export interface StepIn {
  name: string;
  reason: string;
  detail?: string;
}

const FAILED: ReadonlySet<WakeOutcome> = new Set(["failed", "refused_unmanaged", "deferred_max"]);

function stepOf(s: StepIn): WakeStep {
  return { name: s.name, reason: s.reason, at: new Date().toISOString(), ...(s.detail ? { detail: s.detail.slice(0, 500) } : {}) };
}

function auditStep(d: WakeDeps, w: WakeRow, s: WakeStep, outcome: WakeOutcome | null): void {
  d.audit.append({
    actor: "wake",
    actor_kind: "policy",
    action: `wake.${s.name}`,
    subject: w.id,
    outcome: outcome && FAILED.has(outcome) ? "error" : "ok",
    reason: s.reason,
    details: { target: w.target, thread: w.thread, participant: w.participant, ...(s.detail ? { detail: s.detail } : {}), ...(outcome ? { outcome } : {}) },
  });
}

/** Saves the wake with one more step (and its outcome when it ends): row, audit entry and event in one transaction. */
export function record(d: WakeDeps, w: WakeRow, s: StepIn, outcome?: WakeOutcome): WakeRow {
  const step = stepOf(s);
  return d.tx(() => {
    w.steps.push(step);
    if (outcome) {
      w.outcome = outcome;
      w.deadline_at = null;
    }
    d.store.save(w);
    auditStep(d, w, step, outcome ?? null);
    if (outcome) d.events.append("wake.finished", w.target, { id: w.id, outcome, reason: s.reason, thread: w.thread, participant: w.participant });
    return w;
  });
}

/** Makes a wake (pending, or ended at once), with its first steps audited. */
export function createWake(d: WakeDeps, w: Omit<NewWake, "steps">, steps: StepIn[]): WakeRow {
  return d.tx(() => {
    const row = d.store.create({ ...w, steps: steps.map(stepOf) });
    for (const s of row.steps) auditStep(d, row, s, w.outcome ?? null);
    d.events.append("wake.created", row.target, { id: row.id, participant: row.participant, thread: row.thread, reason: row.reason, origin: row.origin });
    if (w.outcome)
      d.events.append("wake.finished", row.target, { id: row.id, outcome: w.outcome, reason: steps.at(-1)?.reason ?? w.reason, thread: row.thread });
    return row;
  });
}
