import { createHash } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type { AuditLog } from "../audit/log.js";
import type { EventLog } from "../events/event-log.js";
import type { Db } from "../store/db.js";
import type { ThreadStore, TurnStep } from "./threads.js";

/** The finding's text with case, punctuation and spacing removed, so rewordings of layout count as one. */
export function normaliseFinding(body: string): string {
  return body
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

export function findingHash(body: string): string {
  return createHash("sha256").update(normaliseFinding(body)).digest("hex");
}

/** A post's effect on the no-progress count: an operator post or a post marked progress resets it; any other agent post is a turn. */
export function turnStep(author: string, progress: boolean): TurnStep {
  return author === "operator" || progress ? "reset" : "count";
}

export interface BlockDecision {
  kind: "no_progress" | "repeated_finding";
  reason: string;
}

interface FindingRow {
  cycles: number;
  last_seq: number;
  last_author: string;
}

/**
 * The loop breakers (R-M5). A turn is a post by an agent; it is progress when marked so.
 * `no_progress_turns` agent posts in a row without progress block the thread. A finding
 * counts once per cycle: it is raised again in a new cycle when someone else posted since
 * it was last raised; at `repeated_finding_cycles` cycles the thread blocks. Both decisions
 * are audited as `policy` and escalated to the operator.
 */
export class LoopBreaker {
  private readonly s: Record<"finding" | "insert" | "bump" | "others" | "reset", Statement>;

  constructor(
    db: Db,
    private readonly threads: ThreadStore,
    private readonly events: EventLog,
    private readonly audit: AuditLog,
    private readonly limits: () => { no_progress_turns: number; repeated_finding_cycles: number },
  ) {
    this.s = {
      finding: db.prepare("SELECT cycles, last_seq, last_author FROM thread_findings WHERE thread_id = ? AND hash = ?"),
      insert: db.prepare(`INSERT INTO thread_findings (thread_id, hash, cycles, first_seq, last_seq, last_author, excerpt) VALUES (?, ?, 1, ?, ?, ?, ?)`),
      bump: db.prepare("UPDATE thread_findings SET cycles = ?, last_seq = ?, last_author = ? WHERE thread_id = ? AND hash = ?"),
      others: db.prepare("SELECT 1 FROM thread_messages WHERE thread_id = ? AND seq > ? AND seq < ? AND author != ? AND kind != 'system' LIMIT 1"),
      reset: db.prepare("UPDATE thread_findings SET cycles = 0 WHERE thread_id = ?"),
    };
  }

  /**
   * Weighs a post whose turn (turnStep) was written with its seq: `turns` is the thread's
   * no-progress count after it. Returns the decision to block, if this post crossed a threshold.
   */
  onPost(id: string, m: { seq: number; author: string; kind: string; body: string; finding_hash: string | null }, turns: number): BlockDecision | null {
    if (m.author === "operator") return null;
    const lim = this.limits();
    const cycles = m.finding_hash ? this.countFinding(id, m.finding_hash, m) : 0;
    if (cycles >= lim.repeated_finding_cycles) {
      return {
        kind: "repeated_finding",
        reason: `the same finding was raised in ${cycles} cycles (threads.repeated_finding_cycles = ${lim.repeated_finding_cycles})`,
      };
    }
    if (turns >= lim.no_progress_turns) {
      return { kind: "no_progress", reason: `${turns} agent turns without progress (threads.no_progress_turns = ${lim.no_progress_turns})` };
    }
    return null;
  }

  private countFinding(id: string, hash: string, m: { seq: number; author: string; body: string }): number {
    const f = this.s.finding.get(id, hash) as FindingRow | undefined;
    if (!f) {
      this.s.insert.run(id, hash, m.seq, m.seq, m.author, m.body.slice(0, 200));
      return 1;
    }
    // A new cycle: someone else spoke since this finding was last raised (or it was reset by an unblock).
    const newCycle = f.cycles === 0 || this.s.others.get(id, f.last_seq, m.seq, m.author) !== undefined;
    const cycles = newCycle ? f.cycles + 1 : f.cycles;
    this.s.bump.run(cycles, m.seq, m.author, id, hash);
    return cycles;
  }

  /** After an unblock or override: counting starts again. */
  reset(id: string): void {
    this.threads.setTurns(id, 0);
    this.s.reset.run(id);
  }

  /** Records the decision: audit row (actor `policy`) and the escalation event. */
  recordBlock(id: string, d: BlockDecision, seq: number): void {
    this.audit.append({
      actor: "policy",
      actor_kind: "policy",
      action: "thread.auto_block",
      subject: id,
      outcome: "ok",
      reason: d.reason,
      details: { kind: d.kind, seq },
    });
    this.events.append("thread.escalated", id, { id, kind: d.kind, reason: d.reason, by: "policy", seq });
  }
}
