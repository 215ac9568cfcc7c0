import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import type { Lease } from "../../../protocol/methods/coordinator.js";
import { AgentKindSchema } from "../../../protocol/methods/runtime.js";
import { pollUntil } from "../../../protocol/wait.js";
import type { EventLog } from "../../events/event-log.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeManager } from "../../runtime/manager.js";
import type { LeaseBook } from "./leases.js";
import { reviewerRuntimeName } from "./review.js";

const POLL_MS = 100;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/** What is reviewed: the ticket's lease (kept alive during the review), its environment and commit. */
export interface ReviewRequest {
  lease: Lease;
  env: string;
  executor: string;
  branch: string;
  base: string | null;
  commit: string | null;
  thread: string | null;
}

/** How the review went; part of the ticket's result. */
export interface ReviewOutcome {
  runtime: string;
  kind: string;
  thread: string | null;
  outcome: "finished" | "failed" | "stopped" | "timed_out" | "not_started";
  why: string | null;
  exit_code: number | null;
  ms: number;
}

export interface ReviewRunnerDeps {
  book: LeaseBook;
  cfg: () => CoordinatorConfig;
  logger: Logger;
  events: EventLog;
  runtimes: RuntimeManager;
}

/** One line (a line-oriented agent takes each typed line as a message): what to review and where to say it. */
export function reviewPrompt(r: ReviewRequest): string {
  const { id, title } = r.lease.ticket;
  const range = r.commit ? (r.base ? `${r.base.slice(0, 12)}..${r.commit.slice(0, 12)}` : r.commit.slice(0, 12)) : null;
  const what = range ? `the changes are commit ${range} on branch ${r.branch}, in this working directory` : `branch ${r.branch} has no new commit`;
  const where = r.thread
    ? `Post each finding in thread ${r.thread} with the swarm MCP tool post_message (kind "finding"), then one message with your verdict, then exit.`
    : "Write your findings to REVIEW.md, then exit.";
  return `Review ticket ${id} "${title.replace(/\s+/g, " ")}" done by ${r.executor}: ${what}. ${where}`;
}

/**
 * The reviewer of `coordinator.review.reviewer_kind`: after the executor finished and its
 * work is committed, a second runtime in the same environment gets the review prompt and
 * SWARM_THREAD_ID; the ticket completes once it exits (or sits idle after working). The
 * lease is renewed meanwhile, so a long review does not lose the ticket.
 */
export class ReviewRunner {
  private readonly active = new Map<string, (why: string) => void>();

  constructor(private readonly d: ReviewRunnerDeps) {}

  /** Stops a running review (cancel, shutdown): the reviewer is killed, the outcome `stopped`. */
  stop(ticketId: string, why: string): boolean {
    const stop = this.active.get(ticketId);
    stop?.(why);
    return stop !== undefined;
  }

  /** Null when no reviewer runtime is configured. */
  async run(r: ReviewRequest): Promise<ReviewOutcome | null> {
    const c = this.d.cfg();
    const kind = c.review.reviewer_kind;
    if (!c.review.enabled || !kind) return null;
    const id = r.lease.ticket.id;
    const name = reviewerRuntimeName(id);
    const t0 = Date.now();
    const out = (outcome: ReviewOutcome["outcome"], why: string | null, exit_code: number | null = null): ReviewOutcome => ({
      runtime: name,
      kind,
      thread: r.thread,
      outcome,
      why,
      exit_code,
      ms: Date.now() - t0,
    });
    const parsed = AgentKindSchema.safeParse(kind);
    const agent = parsed.success ? parsed.data : "custom";
    const command = c.agent_command[kind] ?? [];
    if (agent === "custom" && command.length === 0)
      return out("not_started", `reviewer kind ${kind} has no start command: set coordinator.agent_command.${kind}`);
    let stopReason: string | null = null;
    this.active.set(id, (why) => void (stopReason ??= why));
    const hb = setInterval(() => this.beat(r.lease, (why) => (stopReason ??= why)), c.heartbeat_ms);
    const deadline = Math.min(r.lease.deadline, Date.now() + c.review.timeout_ms);
    let started = false;
    try {
      const mgr = this.d.runtimes;
      const earlier = mgr.list().find((x) => x.name === name);
      if (earlier && earlier.state !== "exited" && earlier.state !== "lost") await this.kill(name); // left over from an attempt cut short
      const vars: Record<string, string> = {
        SWARM_TICKET_ID: id,
        SWARM_TICKET_TITLE: r.lease.ticket.title,
        SWARM_BRANCH: r.branch,
        SWARM_REVIEW_OF: r.executor,
      };
      if (r.thread) vars.SWARM_THREAD_ID = r.thread;
      await mgr.start({ name, env: r.env, agent, command, vars, cols: 120, rows: 40, backend: "holder", redact: true });
      started = true;
      this.d.events.append("ticket.review_started", id, { id, runtime: name, thread: r.thread, agent: kind });
      await pollUntil(() => mgr.row(name).state !== "starting" || stopReason !== null, { timeoutMs: READY_TIMEOUT_MS, everyMs: 50 });
      if (!stopReason && mgr.row(name).state !== "exited") {
        const sent = await mgr.send(name, mgr.sendOptions({ text: reviewPrompt(r), enter: true }));
        if (sent.status !== "delivered") stopReason = `the review prompt was not confirmed: ${sent.why}`;
      }
      return await this.watch(name, deadline, () => stopReason, out);
    } catch (err) {
      return out("failed", `the reviewer could not run: ${(err as Error).message ?? String(err)}`);
    } finally {
      clearInterval(hb);
      this.active.delete(id);
      if (started) await this.kill(name);
    }
  }

  /** Until the reviewer exits, idles after having worked, is stopped or runs out of time. */
  private async watch(
    name: string,
    deadline: number,
    stopped: () => string | null,
    out: (o: ReviewOutcome["outcome"], why: string | null, code?: number | null) => ReviewOutcome,
  ) {
    const mgr = this.d.runtimes;
    const idleMs = this.d.cfg().idle_done_ms;
    let sawWork = false;
    let idleSince: number | null = null;
    const settled = await pollUntil(
      () => {
        const row = mgr.row(name);
        if (row.state === "exited" || row.state === "lost") {
          if (row.state === "exited" && row.exit_code === 0) return out("finished", null, 0);
          return out(
            "failed",
            row.state === "lost" ? "the reviewer's runtime was lost" : `the reviewer exited with code ${row.exit_code ?? `signal ${row.exit_signal}`}`,
            row.exit_code,
          );
        }
        const why = stopped();
        if (why) return out("stopped", why);
        if (row.state === "working") sawWork = true;
        if (!sawWork || (row.state !== "idle" && row.state !== "waiting_input")) return (idleSince = null);
        idleSince ??= Date.now();
        return Date.now() - idleSince >= idleMs ? out("finished", `idle for ${idleMs} ms after working`) : null;
      },
      { timeoutMs: Math.max(0, deadline - Date.now()), everyMs: POLL_MS },
    );
    return settled ?? out("timed_out", "the review ran out of time (coordinator.review.timeout_ms, or the ticket's own deadline)");
  }

  private beat(lease: Lease, lost: (why: string) => void): void {
    try {
      this.d.book.heartbeat(lease.ticket.id, lease.lease);
    } catch (err) {
      if (err instanceof SwarmError && err.kind === "CONFLICT") lost(`lease lost: ${err.message}`);
      else this.d.logger.warn("heartbeat failed", { ticket: lease.ticket.id, error: String(err) });
    }
  }

  private async kill(name: string): Promise<void> {
    const mgr = this.d.runtimes;
    try {
      if (mgr.row(name).state === "exited") return;
      if (!(await mgr.kill(name, "SIGTERM", STOP_GRACE_MS))) await mgr.kill(name, "SIGKILL", STOP_GRACE_MS);
    } catch (err) {
      this.d.logger.warn("stopping a reviewer runtime failed", { runtime: name, error: String(err) });
    }
  }
}
