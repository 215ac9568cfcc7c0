import { SwarmError } from "../../protocol/errors.js";
import type { Wake } from "../../protocol/methods/wake.js";
import type { WakeDispatcher } from "./dispatcher.js";
import { createWake, record, type WakeDeps } from "./records.js";
import { toWake, type WakeRow } from "./store.js";

/** What thread.trigger gets back per participant. */
export interface TriggeredWake {
  participant: string;
  wake_id: string;
  outcome: Wake["outcome"];
  deduped_into: string | null;
}

/**
 * The wake's operations (wake.* methods, thread.trigger's hand-over, heartbeats), over
 * the dispatcher. Handlers run them inside the one Transactor, so a wake made by a trigger
 * commits with the trigger's event.
 */
export class WakeService {
  constructor(
    private readonly d: WakeDeps,
    private readonly dispatcher: WakeDispatcher,
  ) {}

  list(f: { target?: string | undefined; thread?: string | undefined; pending?: boolean | undefined; limit: number }): { wakes: Wake[]; paused: string[] } {
    return { wakes: this.d.store.list(f).map(toWake), paused: this.d.store.paused() };
  }

  show(id: string): Wake {
    return toWake(this.d.store.get(id));
  }

  /** thread.trigger: one wake per participant; a participant with a wake pending gets a `deduped` record pointing at it. */
  trigger(thread: string, participants: string[], reason: string | null, by: string): TriggeredWake[] {
    return participants.map((p) => {
      const { wake, created } = this.dispatcher.ensure(p, thread, "trigger", reason ? `trigger: ${reason}` : "trigger", by);
      if (wake && created) return { participant: p, wake_id: wake.id, outcome: wake.outcome, deduped_into: null };
      const pending = wake!;
      const dup = createWake(
        this.d,
        { participant: p, thread, reason: "trigger", origin: "trigger", requested_by: by, target: pending.target, outcome: "deduped" },
        [{ name: "deduped", reason: "pending_wake", detail: `wake ${pending.id} is pending for ${p} in ${thread}` }],
      );
      return { participant: p, wake_id: dup.id, outcome: dup.outcome, deduped_into: pending.id };
    });
  }

  onHeartbeat(agent: string): void {
    this.dispatcher.onHeartbeat(agent);
  }

  pause(runtime: string, reason: string | null, by: string): { runtime: string; paused: true; ended: string[] } {
    const ended = this.d.tx(() => {
      this.d.store.pause(runtime, reason, by);
      const out: string[] = [];
      for (const w of this.d.store.pending()) {
        if (w.target !== runtime) continue;
        record(this.d, w, { name: "paused", reason: "runtime_paused", detail: reason ?? `paused by ${by}` }, "paused");
        out.push(w.id);
      }
      this.d.events.append("wake.paused", runtime, { runtime, reason, by, ended: out });
      return out;
    });
    return { runtime, paused: true, ended };
  }

  resume(runtime: string, reason: string | null, by: string): { runtime: string; paused: false; woken: string[] } {
    const woken = this.d.tx(() => {
      this.d.store.unpause(runtime);
      this.d.events.append("wake.resumed", runtime, { runtime, reason, by });
      const t = this.d.runtimes.target(runtime);
      if (!t) return [];
      const out: string[] = [];
      for (const thread of this.d.threads.unreadThreads(runtime)) {
        const { wake, created } = this.dispatcher.ensure(runtime, thread, "auto", "wake_resumed", by);
        if (wake && created) out.push(wake.id);
      }
      return out;
    });
    return { runtime, paused: false, woken };
  }

  /** wake.force: inject now over a draft and the quiet window (audited with its reason); answers after the injection. */
  async force(runtime: string, reason: string, thread: string | undefined, by: string): Promise<Wake> {
    const t = this.d.runtimes.target(runtime);
    if (!t) throw new SwarmError("NOT_FOUND", `no runtime named ${JSON.stringify(runtime)}`, { hint: "see `swarmctl runtime list`" });
    const th = thread ?? this.d.threads.unreadThreads(runtime)[0];
    if (!th) {
      throw new SwarmError("INVALID_ARGUMENT", `${runtime} has nothing unread in any thread; name one with --thread`, {
        hint: `swarmctl wake force ${runtime} --thread TH --reason R`,
      });
    }
    if (!this.d.threads.exists(th)) throw new SwarmError("NOT_FOUND", `no thread ${th}`, { hint: "see `swarmctl thread list`" });
    const w = this.d.tx(() => this.takeOver(runtime, th, reason, by));
    return toWake(await this.dispatcher.advance(w.id));
  }

  /** The pending wake for runtime + thread becomes a forced one; else a new forced wake. */
  private takeOver(runtime: string, thread: string, reason: string, by: string): WakeRow {
    const pending = this.d.store.pendingFor(runtime, thread);
    if (pending && pending.phase === "waiting") {
      pending.origin = "force";
      pending.deadline_at = null;
      record(this.d, pending, { name: "force", reason: "operator_force", detail: `${by}: ${reason}` });
      return pending;
    }
    if (pending) record(this.d, pending, { name: "superseded", reason: "operator_force", detail: `forced by ${by}` }, "deduped");
    const ended = !this.d.runtimes.target(runtime)?.managed;
    return createWake(
      this.d,
      {
        participant: runtime,
        thread,
        reason: `force: ${reason}`,
        origin: "force",
        requested_by: by,
        target: runtime,
        ...(ended ? { outcome: "refused_unmanaged" as const } : {}),
      },
      [{ name: "force", reason: "operator_force", detail: `${by}: ${reason}` }, ...(ended ? [{ name: "refused", reason: "unmanaged" }] : [])],
    );
  }
}
