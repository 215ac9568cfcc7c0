/**
 * The wake dispatcher: event-driven. It listens to the event log (a message posted, a
 * read cursor moved, a runtime's state changed) and to human keystrokes, and moves each
 * pending wake along its chain (chain.ts). Timers exist only for deadlines: an ack
 * timeout, a retry's backoff, a deferred wake's re-check. Each wake is advanced by one
 * task at a time; an event that arrives meanwhile makes it look again when done.
 */
import type { EventRecord } from "../../protocol/events.js";
import type { WakeOutcome } from "../../protocol/methods/wake.js";
import { ack, cursorMoved, fallback, tryInject, type Next } from "./chain.js";
import { createWake, record, type StepIn, type WakeDeps } from "./records.js";
import type { WakeRow } from "./store.js";

export type Origin = WakeRow["origin"];

export class WakeDispatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly d: WakeDeps) {}

  /** Subscribes, then picks up the wakes a previous daemon left pending (none is injected twice: see chain.inject). */
  start(): void {
    this.unsubscribe.push(this.d.events.subscribe((ev) => this.onEvent(ev)));
    this.unsubscribe.push(this.d.runtimes.observeHumanInput((name, data) => this.d.human.feed(name, data)));
    for (const w of this.d.store.pending()) this.kick(w.id);
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves once no wake is being advanced (tests and graceful stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private onEvent(ev: EventRecord): void {
    const data = ev.data as Record<string, unknown>;
    if (ev.type === "thread.message_posted") this.onPosted(String(data.id), String(data.author));
    else if (ev.type === "thread.read_advanced") this.onRead(String(data.id), String(data.reader));
    else if (ev.type === "runtime.state" && ev.subject) this.kickTarget(ev.subject);
    else if ((ev.type === "runtime.exited" || ev.type === "runtime.lost") && ev.subject) this.kickTarget(ev.subject);
  }

  private onPosted(thread: string, author: string): void {
    if (!this.d.cfg().enabled) return;
    for (const p of this.d.threads.participants(thread)) {
      if (p === author || this.d.threads.unread(thread, p) === 0) continue;
      this.ensure(p, thread, "auto", "message_posted", "wake");
    }
  }

  private onRead(thread: string, reader: string): void {
    const w = this.d.store.pendingFor(reader, thread);
    if (w) this.kick(w.id);
  }

  /** An agent session heartbeat: acknowledges every wake of that agent waiting for its ack. */
  onHeartbeat(agent: string): void {
    for (const w of this.d.store.pending()) {
      if (w.participant !== agent || w.phase !== "ack_wait") continue;
      this.run(w.id, (x) => (x.phase === "ack_wait" ? ack(this.d, x, "heartbeat") : this.step(x)));
    }
  }

  private kickTarget(name: string): void {
    for (const w of this.d.store.pending()) if (w.target === name) this.kick(w.id);
  }

  /**
   * A pending wake for participant + thread, made when there is none (the dedupe rule).
   * Returns the wake and whether it is new. An automatic wake to a target that cannot be
   * woken (no runtime, unmanaged, paused) is recorded once, not at every post.
   */
  ensure(participant: string, thread: string, origin: Origin, reason: string, by: string): { wake: WakeRow | null; created: boolean } {
    const pending = this.d.store.pendingFor(participant, thread);
    if (pending) return { wake: pending, created: false };
    const t = this.d.runtimes.target(participant);
    const base = { participant, thread, reason, origin, requested_by: by, target: t?.name ?? null };
    const ended = this.endsAtOnce(t, origin);
    if (ended && origin === "auto") {
      // a participant that is no runtime (the operator, an agent swarm does not run) is not woken automatically
      if (ended.step.reason === "no_runtime" || this.lastOutcome(participant, thread) === ended.outcome) return { wake: null, created: false };
    }
    if (ended) return { wake: createWake(this.d, { ...base, outcome: ended.outcome }, [{ name: "created", reason }, ended.step]), created: true };
    const wake = createWake(this.d, base, [{ name: "created", reason }]);
    // after the commit that made it (a trigger's transaction, if there is one)
    this.d.events.transactor.afterCommit(() => this.kick(wake.id));
    return { wake, created: true };
  }

  private endsAtOnce(t: ReturnType<WakeDeps["runtimes"]["target"]>, origin: Origin): { outcome: WakeOutcome; step: StepIn } | null {
    if (!t) return { outcome: "refused_unmanaged", step: { name: "refused", reason: "no_runtime", detail: "the participant has no runtime of that name" } };
    if (!t.managed || !t.canSend)
      return { outcome: "refused_unmanaged", step: { name: "refused", reason: "unmanaged", detail: `runtime ${t.name} is not swarm's to type into` } };
    if (origin !== "force" && this.d.store.isPaused(t.name)) return { outcome: "paused", step: { name: "paused", reason: "runtime_paused" } };
    return null;
  }

  private lastOutcome(participant: string, thread: string): WakeOutcome | null {
    const last = this.d.store.list({ thread, limit: 50 }).find((w) => w.participant === participant);
    return last?.outcome ?? null;
  }

  /** Looks at a wake now (after its current task, if one runs). */
  kick(id: string): void {
    this.run(id, (w) => this.step(w));
  }

  /** Advances a wake once and waits for that (wake.force answers after its injection). */
  async advance(id: string): Promise<WakeRow> {
    this.kick(id);
    await this.running.get(id);
    while (this.running.has(id)) await this.running.get(id);
    return this.d.store.get(id);
  }

  private step(w: WakeRow): Promise<Next> | Next {
    if (w.phase === "ack_wait") {
      if (cursorMoved(this.d, w)) return ack(this.d, w, "cursor_moved");
      const left = Date.parse(w.deadline_at ?? "") - Date.now();
      if (left > 0) return left;
      const unconfirmed = w.steps.at(-1)?.name === "ack_wait" && w.steps.at(-1)?.reason === "not_confirmed";
      return fallback(this.d, w, w.stage === "inject" ? (unconfirmed ? "not_confirmed" : "ack_timeout") : `${w.stage}_ack_timeout`);
    }
    if (w.deadline_at) {
      const left = Date.parse(w.deadline_at) - Date.now();
      if (left > 0) return left;
      w.deadline_at = null;
    }
    return tryInject(this.d, w);
  }

  private run(id: string, fn: (w: WakeRow) => Promise<Next> | Next): void {
    if (this.stopped) return;
    if (this.running.has(id)) {
      this.again.add(id);
      return;
    }
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
    const task = (async () => {
      try {
        const w = this.d.store.get(id);
        if (w.outcome) return;
        const next = await fn(w);
        if (next !== null && !this.stopped) this.schedule(id, next);
      } catch (err) {
        this.d.logger.error("wake step failed", { wake: id, error: String(err), stack: err instanceof Error ? err.stack : undefined });
        this.failHard(id, err);
      }
    })();
    this.running.set(id, task);
    void task.finally(() => {
      this.running.delete(id);
      if (this.again.delete(id)) this.kick(id);
    });
  }

  private failHard(id: string, err: unknown): void {
    try {
      const w = this.d.store.get(id);
      if (!w.outcome) record(this.d, w, { name: "failed", reason: "internal_error", detail: String(err) }, "failed");
    } catch {
      // the log has it; nothing more to record
    }
  }

  private schedule(id: string, ms: number): void {
    const prev = this.timers.get(id);
    if (prev) clearTimeout(prev);
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        this.kick(id);
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timers.set(id, t);
  }
}
