import { SwarmError } from "../../protocol/errors.js";
import type { Wake, WakeOutcome, WakeStep } from "../../protocol/methods/wake.js";
import type { Db } from "../store/db.js";
import { prepareAll, type Statements } from "../store/statements.js";

/** What the current ack wait is about: it decides the outcome an ack gives (acked, resumed, spawned). */
export type WakeStage = "inject" | "resume" | "spawn";

/** A wake as stored: the API record plus the dispatcher's bookkeeping. */
export interface WakeRow extends Wake {
  n: number;
  dedupe_key: string;
  stage: WakeStage;
  /** the participant's read cursor when the current step began: an ack is a cursor past it */
  cursor_at: number;
  /** when deferring began (human typing, a draft, a busy runtime); null when not deferred */
  waiting_since: string | null;
  /** when the current wait ends (ack timeout, backoff, re-check); null: waiting on an event */
  deadline_at: string | null;
}

type DbRow = Omit<WakeRow, "steps"> & { steps: string };

const SQL = {
  next: "SELECT COALESCE(MAX(n), 0) + 1 AS n FROM wakes",
  insert: `INSERT INTO wakes (n, id, participant, target, thread_id, reason, origin, requested_by, dedupe_key, phase, outcome, steps, created_at, updated_at, ended_at)
    VALUES (@n, @id, @participant, @target, @thread, @reason, @origin, @requested_by, @dedupe_key, @phase, @outcome, @steps, @now, @now, @ended_at)`,
  byId: "SELECT *, thread_id AS thread FROM wakes WHERE id = ?",
  pendingByKey: "SELECT *, thread_id AS thread FROM wakes WHERE dedupe_key = ? AND outcome IS NULL",
  pending: "SELECT *, thread_id AS thread FROM wakes WHERE outcome IS NULL ORDER BY n",
  list: `SELECT *, thread_id AS thread FROM wakes WHERE (@target IS NULL OR target = @target) AND (@thread IS NULL OR thread_id = @thread)
    AND (@pending IS NULL OR (outcome IS NULL) = @pending) ORDER BY n DESC LIMIT @limit`,
  update: `UPDATE wakes SET target = @target, origin = @origin, phase = @phase, attempts = @attempts, resumes = @resumes, stage = @stage, cursor_at = @cursor_at,
    waiting_since = @waiting_since, deadline_at = @deadline_at, outcome = @outcome, trigger_text = @trigger_text, steps = @steps,
    updated_at = @updated_at, ended_at = @ended_at WHERE id = @id`,
  freeKey: "UPDATE wakes SET dedupe_key = ? WHERE id = ?",
  pause: "INSERT INTO wake_pauses (runtime, reason, by, at) VALUES (?, ?, ?, ?) ON CONFLICT (runtime) DO UPDATE SET reason = excluded.reason",
  unpause: "DELETE FROM wake_pauses WHERE runtime = ?",
  paused: "SELECT runtime FROM wake_pauses ORDER BY runtime",
  isPaused: "SELECT 1 FROM wake_pauses WHERE runtime = ?",
} as const;

export interface NewWake {
  participant: string;
  target: string | null;
  thread: string;
  reason: string;
  origin: Wake["origin"];
  requested_by: string;
  /** a wake that ends at once (refused, deduped, paused) */
  outcome?: WakeOutcome;
  steps: WakeStep[];
}

export const dedupeKey = (participant: string, thread: string): string => `${participant}\u0000${thread}`;

function fromDb(r: DbRow): WakeRow {
  const { thread_id: _t, ...rest } = r as DbRow & { thread_id: string };
  return { ...rest, steps: JSON.parse(r.steps) as WakeStep[] };
}

/** The only code that writes the wake tables. Callers run it inside the Transactor, so events and rows commit together. */
export class WakeStore {
  private readonly s: Statements<typeof SQL>;

  constructor(db: Db) {
    this.s = prepareAll(db, SQL);
  }

  create(w: NewWake): WakeRow {
    const n = (this.s.next.get() as { n: number }).n;
    const id = `w-${n}`;
    const now = new Date().toISOString();
    const done = w.outcome !== undefined;
    this.s.insert.run({
      ...w,
      n,
      id,
      // a finished wake holds no dedupe slot: its key is made unique
      dedupe_key: done ? `${dedupeKey(w.participant, w.thread)}\u0000${id}` : dedupeKey(w.participant, w.thread),
      phase: done ? "done" : "waiting",
      outcome: w.outcome ?? null,
      steps: JSON.stringify(w.steps),
      now,
      ended_at: done ? now : null,
    });
    return this.get(id);
  }

  get(id: string): WakeRow {
    const r = this.s.byId.get(id) as DbRow | undefined;
    if (!r) throw new SwarmError("NOT_FOUND", `no wake ${id}`, { hint: "see `swarmctl wake list`" });
    return fromDb(r);
  }

  pendingFor(participant: string, thread: string): WakeRow | null {
    const r = this.s.pendingByKey.get(dedupeKey(participant, thread)) as DbRow | undefined;
    return r ? fromDb(r) : null;
  }

  pending(): WakeRow[] {
    return (this.s.pending.all() as DbRow[]).map(fromDb);
  }

  list(f: { target?: string | undefined; thread?: string | undefined; pending?: boolean | undefined; limit: number }): WakeRow[] {
    const pending = f.pending === undefined ? null : f.pending ? 1 : 0;
    return (this.s.list.all({ target: f.target ?? null, thread: f.thread ?? null, pending, limit: f.limit }) as DbRow[]).map(fromDb);
  }

  /** Writes the row's mutable fields back (the dispatcher changes a copy, then saves it). */
  save(w: WakeRow): void {
    const now = new Date().toISOString();
    w.updated_at = now;
    if (w.outcome && !w.ended_at) w.ended_at = now;
    if (w.outcome) w.phase = "done";
    this.s.update.run({ ...w, steps: JSON.stringify(w.steps) });
    if (w.outcome) {
      // free the dedupe slot: the next wake for this participant + thread may be made
      this.freeKey(w);
    }
  }

  private freeKey(w: WakeRow): void {
    if (w.dedupe_key.endsWith(`\u0000${w.id}`)) return;
    w.dedupe_key = `${w.dedupe_key}\u0000${w.id}`;
    this.s.freeKey.run(w.dedupe_key, w.id);
  }

  pause(runtime: string, reason: string | null, by: string): void {
    this.s.pause.run(runtime, reason, by, new Date().toISOString());
  }

  unpause(runtime: string): boolean {
    return this.s.unpause.run(runtime).changes > 0;
  }

  isPaused(runtime: string): boolean {
    return this.s.isPaused.get(runtime) !== undefined;
  }

  paused(): string[] {
    return (this.s.paused.all() as { runtime: string }[]).map((r) => r.runtime);
  }
}

/** The API shape of a stored wake. */
export function toWake(w: WakeRow): Wake {
  return {
    id: w.id,
    participant: w.participant,
    target: w.target,
    thread: w.thread,
    reason: w.reason,
    origin: w.origin,
    requested_by: w.requested_by,
    phase: w.phase,
    attempts: w.attempts,
    resumes: w.resumes,
    outcome: w.outcome,
    trigger_text: w.trigger_text,
    steps: w.steps,
    created_at: w.created_at,
    updated_at: w.updated_at,
    ended_at: w.ended_at,
  };
}
