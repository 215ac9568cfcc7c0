import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import { pollUntil } from "../../../protocol/wait.js";
import type { Lease } from "../../../protocol/methods/coordinator.js";
import { TICKET_BRANCH_PREFIX } from "../../../protocol/names.js";
import { AgentKindSchema } from "../../../protocol/methods/runtime.js";
import type { EventLog } from "../../events/event-log.js";
import type { Db } from "../../store/db.js";
import type { EnvService } from "../../env/service.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeManager } from "../../runtime/manager.js";
import { agentVars, type ThreadOfTicket } from "./agent-env.js";
import { commitTicket, headSha, runPrStep, type EnvExec } from "./git-step.js";
import type { LeaseBook } from "./leases.js";
import type { ReviewRunner } from "./review-runner.js";
import { LOCAL_WORKER } from "./runner.js";

const POLL_MS = 100;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const READY_STATES = new Set(["idle", "waiting_input", "asking_approval", "exited", "lost"]);

type Phase = "preparing" | "running" | "finishing";

interface AgentRun {
  lease: Lease;
  name: string;
  branch: string;
  base: string | null;
  workdir: string | null;
  phase: Phase;
  runtimeStarted: boolean;
  delivered: boolean;
  sawWork: boolean;
  idleSince: number | null;
  stopReason: string | null;
  timers: NodeJS.Timeout[];
}

export interface AgentRunnerDeps {
  book: LeaseBook;
  cfg: () => CoordinatorConfig;
  logger: Logger;
  events: EventLog;
  db: Db;
  admits: () => { ok: boolean; reason: string | null };
  envs: EnvService;
  runtimes: RuntimeManager;
  complete: (id: string, token: string, result: unknown, checks: string[]) => void;
  /** The ticket's thread, given to its agent as SWARM_THREAD_ID. */
  threadOf: ThreadOfTicket;
  /** The reviewer runtime after the executor (coordinator.review.reviewer_kind). */
  review?: ReviewRunner;
}

/** Names of a ticket's environment, runtime and branch (R-T8: one branch per ticket). */
export const ticketEnvName = (id: string) => `ticket-${id}`;
export const ticketBranch = (id: string) => `${TICKET_BRANCH_PREFIX}${id}`;

function promptOf(lease: Lease): string {
  const body = lease.ticket.body.trim();
  return body ? `${lease.ticket.title}\n\n${body}` : lease.ticket.title;
}

/**
 * Dispatch of agent tickets: an environment per ticket on its own branch, the agent in a
 * runtime there with the ticket as its prompt, then a commit (and the optional PR step)
 * before the ticket completes. Finished = the agent exits 0, or sits idle for
 * `idle_done_ms` after having worked. Environments are kept after every outcome.
 */
export class AgentRunner {
  private readonly runs = new Map<string, AgentRun>();
  /** Runs settling (stopping their agent, committing): a re-claim of the ticket waits for them. */
  private readonly winding = new Map<string, Promise<void>>();
  private readonly wound = new Map<AgentRun, { done: Promise<void>; resolve: () => void }>();
  private stopping = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly d: AgentRunnerDeps) {
    this.unsubscribe = d.events.subscribe((ev) => {
      if (ev.type !== "runtime.state" || ev.data.state !== "working" || !ev.subject) return;
      const run = this.runs.get(ev.subject.replace(/^ticket-/, ""));
      if (run?.delivered) run.sawWork = true;
    });
  }

  running(): string[] {
    return [...this.runs.keys()];
  }

  tick(): void {
    const c = this.d.cfg();
    if (this.stopping || c.agent_kinds.length === 0 || (!c.repo && Object.keys(c.repos).length === 0)) return;
    for (;;) {
      if (!this.d.admits().ok) return;
      const r = this.d.book.claim(LOCAL_WORKER, { kinds: c.agent_kinds });
      if (!r.lease) return;
      this.start(r.lease);
    }
  }

  private start(lease: Lease): void {
    const id = lease.ticket.id;
    const run: AgentRun = {
      lease,
      name: ticketEnvName(id),
      branch: ticketBranch(id),
      base: null,
      workdir: null,
      phase: "preparing",
      runtimeStarted: false,
      delivered: false,
      sawWork: false,
      idleSince: null,
      stopReason: null,
      timers: [],
    };
    this.runs.set(id, run);
    const c = this.d.cfg();
    const left = Math.max(0, lease.deadline - Date.now());
    run.timers.push(
      setInterval(() => this.beat(run), c.heartbeat_ms),
      setInterval(() => this.watch(run), POLL_MS),
      setTimeout(() => this.stop(id, `timed out after ${left} ms`), left),
    );
    this.beat(run);
    this.prepare(run).catch((err: unknown) => void this.fail(run, `preparing the agent failed: ${(err as Error).message ?? String(err)}`, true));
  }

  private exec(run: AgentRun): EnvExec {
    return (argv) => this.d.envs.exec(run.name, argv, { timeoutMs: 120_000 });
  }

  private async prepare(run: AgentRun): Promise<void> {
    await this.winding.get(run.lease.ticket.id);
    const c = this.d.cfg();
    const envs = this.d.envs;
    const mgr = this.d.runtimes;
    const kind = run.lease.agent_kind;
    const parsed = AgentKindSchema.safeParse(kind);
    const agent = parsed.success ? parsed.data : "custom";
    const command = c.agent_command[kind] ?? [];
    if (agent === "custom" && command.length === 0) {
      return this.fail(run, `agent kind ${kind} has no start command: set coordinator.agent_command.${kind}`, false);
    }
    const ws = run.lease.ticket.workspace;
    const repo = c.repos[ws] ?? c.repo;
    if (!repo) return this.fail(run, `workspace ${ws} has no repository: set coordinator.repos.${ws} (or coordinator.repo)`, false);
    // A retry reuses the environment of the earlier attempt (it is kept on failure).
    let env = envs.registry.get(run.name);
    if (!env) env = await envs.create({ name: run.name, repo, branch: run.branch, provider: c.provider });
    else if (env.state !== "running") env = await envs.start(run.name);
    run.workdir = env.host_path;
    run.base = await headSha(this.exec(run));
    if (run.stopReason) return this.fail(run, run.stopReason, !run.stopReason.startsWith("cancel"));
    // Still running from an attempt cut short by a daemon restart (agents outlive the
    // daemon): carry on with it instead of starting over.
    await mgr.ready();
    const earlier = mgr.list().find((r) => r.name === run.name);
    const adopted = earlier !== undefined && earlier.state !== "exited" && earlier.state !== "lost" && earlier.management === "managed";
    if (adopted) {
      this.d.events.append("ticket.agent_adopted", run.lease.ticket.id, { id: run.lease.ticket.id, runtime: run.name, state: earlier.state });
    } else {
      const vars = agentVars(run.lease, this.d.threadOf);
      await mgr.start({ name: run.name, env: run.name, agent, command, vars, cols: 120, rows: 40, backend: "holder", redact: true });
      this.d.events.append("ticket.agent_started", run.lease.ticket.id, {
        id: run.lease.ticket.id,
        environment: run.name,
        runtime: run.name,
        branch: run.branch,
        agent: kind,
      });
    }
    run.runtimeStarted = true;
    // stopped while the runtime was being started: stop() could not signal it yet
    if (run.stopReason) return this.fail(run, run.stopReason, !run.stopReason.startsWith("cancel"));
    const runtimeId = mgr.row(run.name).id;
    if (adopted && this.promptDelivered(run.lease.ticket.id, runtimeId)) {
      run.delivered = true;
      run.sawWork = true; // it had the prompt before the restart; only its idleness is left to see
      run.phase = "running";
      return;
    }
    // Ready for input = the agent's detector sees it waiting at its prompt (idle/waiting_input), not
    // merely "not starting": a program not yet up reads a paste as typed lines. Past the wait, send anyway.
    await pollUntil(() => READY_STATES.has(mgr.row(run.name).state) || run.stopReason !== null, { timeoutMs: READY_TIMEOUT_MS, everyMs: 50 });
    run.phase = "running"; // from here watch() settles exits and stop reasons
    if (run.stopReason || mgr.row(run.name).state === "exited") return;
    const sent = await mgr.send(run.name, mgr.sendOptions({ text: promptOf(run.lease), enter: true }));
    // queued: a busy agent took it and runs it after its turn
    if (sent.status !== "delivered" && sent.status !== "queued") return void this.stop(run.lease.ticket.id, `the prompt was not confirmed: ${sent.why}`);
    run.delivered = true;
    this.d.events.append("ticket.prompt_delivered", run.lease.ticket.id, { id: run.lease.ticket.id, runtime: run.name, runtime_id: runtimeId, ms: sent.ms });
  }

  /** Whether this runtime (by id, not name) already got the ticket's prompt: recorded as an event. */
  private promptDelivered(ticketId: string, runtimeId: string): boolean {
    const row = this.d.db
      .prepare("SELECT 1 AS x FROM events WHERE type = 'ticket.prompt_delivered' AND subject = ? AND json_extract(data, '$.runtime_id') = ? LIMIT 1")
      .get(ticketId, runtimeId);
    return row !== undefined;
  }

  private beat(run: AgentRun): void {
    if (this.runs.get(run.lease.ticket.id) !== run) return;
    try {
      this.d.book.heartbeat(run.lease.ticket.id, run.lease.lease);
    } catch (err) {
      if (err instanceof SwarmError && err.kind === "CONFLICT") this.stop(run.lease.ticket.id, `lease lost: ${err.message}`);
      else this.d.logger.warn("heartbeat failed", { ticket: run.lease.ticket.id, error: String(err) });
    }
  }

  /** Decides, from the runtime's state, whether the agent finished, failed, or works on. */
  private watch(run: AgentRun): void {
    if (run.phase !== "running" || this.runs.get(run.lease.ticket.id) !== run) return;
    const mgr = this.d.runtimes;
    let row;
    try {
      row = mgr.row(run.name);
    } catch {
      void this.fail(run, run.stopReason ?? "the agent's runtime is gone", true);
      return;
    }
    if (row.state === "exited" || row.state === "lost") {
      if (run.stopReason) void this.fail(run, run.stopReason, !run.stopReason.startsWith("cancel"));
      else if (row.state === "exited" && row.exit_code === 0) void this.succeed(run);
      else
        void this.fail(
          run,
          row.state === "lost" ? "the agent's runtime was lost" : `the agent exited with code ${row.exit_code ?? `signal ${row.exit_signal}`}`,
          true,
        );
      return;
    }
    if (run.stopReason) return; // stopping: wait for the exit
    if (row.state === "working" && run.delivered) run.sawWork = true;
    if (!run.sawWork || (row.state !== "idle" && row.state !== "waiting_input")) {
      run.idleSince = null;
      return;
    }
    run.idleSince ??= Date.now();
    if (Date.now() - run.idleSince >= this.d.cfg().idle_done_ms) void this.succeed(run);
  }

  private async stopRuntime(run: AgentRun): Promise<void> {
    const mgr = this.d.runtimes;
    if (!run.runtimeStarted) return;
    try {
      if (mgr.row(run.name).state === "exited") return;
      if (!(await mgr.kill(run.name, "SIGTERM", STOP_GRACE_MS))) await mgr.kill(run.name, "SIGKILL", STOP_GRACE_MS);
    } catch (err) {
      this.d.logger.warn("stopping an agent runtime failed", { runtime: run.name, error: String(err) });
    }
  }

  private settle(run: AgentRun): boolean {
    if (this.runs.get(run.lease.ticket.id) !== run || run.phase === "finishing") return false;
    run.phase = "finishing";
    run.timers.forEach((t) => clearTimeout(t));
    const id = run.lease.ticket.id;
    this.runs.delete(id);
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    this.wound.set(run, { done, resolve });
    this.winding.set(id, done);
    return true;
  }

  private release(run: AgentRun): void {
    const id = run.lease.ticket.id;
    const w = this.wound.get(run);
    this.wound.delete(run);
    w?.resolve();
    if (w && this.winding.get(id) === w.done) this.winding.delete(id);
    if (!this.stopping) setImmediate(() => this.tick());
  }

  private async succeed(run: AgentRun): Promise<void> {
    if (!this.settle(run)) return;
    const { id, title } = run.lease.ticket;
    try {
      await this.stopRuntime(run);
      const exec = this.exec(run);
      const git = await commitTicket(exec, run.base!, `ticket ${id}: ${title}`);
      const checks = ["agent-finished"];
      if (git.commit) checks.push("committed");
      const c = this.d.cfg();
      const pr = c.pr_command ? await runPrStep(exec, c.pr_command, { SWARM_TICKET_ID: id, SWARM_BRANCH: run.branch }) : null;
      if (pr?.exit_code === 0) checks.push("pr");
      const review = await this.d.review?.run({
        lease: run.lease,
        env: run.name,
        executor: run.name,
        branch: run.branch,
        base: git.base,
        commit: git.commit,
        thread: this.d.threadOf(id),
      });
      if (review?.outcome === "finished") checks.push("reviewed");
      const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `swarm-run-${id}-`));
      const resultDir = path.join(runDir, "result");
      fs.mkdirSync(resultDir);
      if (git.patch) fs.writeFileSync(path.join(resultDir, "ticket.patch"), git.patch);
      if (pr) fs.writeFileSync(path.join(resultDir, "pr-output.txt"), pr.output);
      const result = {
        branch: run.branch,
        commit: git.commit,
        base: git.base,
        files: git.files,
        diffstat: git.diffstat,
        environment: run.name,
        runtime: run.name,
        workdir: run.workdir,
        run_dir: runDir,
        pr,
        ...(review ? { review } : {}),
        summary: git.commit
          ? `Ticket ${id} "${title}": ${git.files.length} file(s) changed on ${run.branch} (${git.commit.slice(0, 12)}).\n${git.diffstat}`
          : `Ticket ${id} "${title}": the agent changed no files.`,
      };
      this.d.complete(id, run.lease.lease, result, checks);
    } catch (err) {
      this.failNow(run, `finishing the ticket failed: ${(err as Error).message ?? String(err)}`, true);
    }
    this.release(run);
  }

  private async fail(run: AgentRun, why: string, retryable: boolean): Promise<void> {
    if (!this.settle(run)) return;
    await this.stopRuntime(run);
    this.failNow(run, why, retryable);
    this.release(run);
  }

  private failNow(run: AgentRun, why: string, retryable: boolean): void {
    try {
      this.d.book.fail(run.lease.ticket.id, run.lease.lease, why, retryable);
    } catch (e) {
      // Stale lease (cancelled, swept, re-leased): the ticket's fate is already decided.
      if (!(e instanceof SwarmError && e.kind === "CONFLICT"))
        this.d.logger.error("failing an agent ticket failed", { ticket: run.lease.ticket.id, error: String(e) });
    }
  }

  /** Stops a run (cancel, timeout, lost lease): the runtime is stopped, the environment kept. */
  stop(id: string, reason: string): boolean {
    const run = this.runs.get(id);
    if (!run) return this.d.review?.stop(id, reason) ?? false;
    run.stopReason ??= reason;
    if (run.runtimeStarted) {
      // not awaited: watch() settles the run once the runtime has ended
      const gone = () => {
        /* already gone */
      };
      try {
        this.d.runtimes.kill(run.name, "SIGTERM", 0).catch(gone);
      } catch {
        gone();
      }
    }
    return true;
  }

  /**
   * At shutdown the agents keep running in their holders; the leases expire, and after the
   * restart the re-claimed tickets pick their runtimes up again (see prepare).
   */
  stopAll(): void {
    this.stopping = true;
    this.unsubscribe?.();
    for (const run of this.runs.values()) run.timers.forEach((t) => clearTimeout(t));
    this.runs.clear();
  }
}
