import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CoordinatorConfig } from "../../../protocol/config/coordinator.js";
import { SwarmError } from "../../../protocol/errors.js";
import type { Lease } from "../../../protocol/methods/coordinator.js";
import type { Logger } from "../../log/logger.js";
import type { LeaseBook } from "./leases.js";

/** Who the daemon's own runner is, as a lease owner. */
export const LOCAL_WORKER = "swarmd";
const TAIL_BYTES = 4096;

interface Run {
  lease: Lease;
  child: ChildProcess;
  dir: string;
  timers: NodeJS.Timeout[];
  stopReason: string | null;
  stdout: string;
  stderr: string;
}

export interface RunnerDeps {
  book: LeaseBook;
  cfg: () => CoordinatorConfig;
  logger: Logger;
  admits: () => { ok: boolean; reason: string | null };
  /** Completes the lease and writes the bundle (shared with the ticket.complete RPC). */
  complete: (id: string, token: string, result: unknown, checks: string[]) => void;
}

function tail(s: string, chunk: Buffer): string {
  const next = s + chunk.toString("utf8");
  return next.length > TAIL_BYTES ? next.slice(-TAIL_BYTES) : next;
}

/**
 * The daemon's own dispatcher, used until tickets are wired to environments and agents:
 * each claimed ticket runs `coordinator.command` in a fresh temp directory (kept after the
 * run for inspection, also when cancelled), with the ticket JSON on stdin.
 */
export class CommandRunner {
  private readonly runs = new Map<string, Run>();
  private stopping = false;

  constructor(private readonly d: RunnerDeps) {}

  running(): string[] {
    return [...this.runs.keys()];
  }

  /** Claims and starts as many tickets as caps, breakers and the host allow. */
  tick(): void {
    const cmd = this.d.cfg().command;
    if (!cmd || this.stopping) return;
    for (;;) {
      if (!this.d.admits().ok) return;
      const r = this.d.book.claim(LOCAL_WORKER, { kinds: this.d.cfg().command_kinds });
      if (!r.lease) return;
      this.start(r.lease, cmd);
    }
  }

  private start(lease: Lease, cmd: string[]): void {
    const id = lease.ticket.id;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `swarm-run-${id}-`));
    const resultDir = path.join(dir, "result");
    fs.mkdirSync(resultDir);
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: dir,
      detached: true, // its own process group, so a stop reaches its children too
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, SWARM_TICKET_ID: id, SWARM_RESULT_DIR: resultDir, SWARM_ATTEMPT: String(lease.ticket.attempts), SWARM_LEASE: lease.lease },
    });
    const run: Run = { lease, child, dir, timers: [], stopReason: null, stdout: "", stderr: "" };
    this.runs.set(id, run);
    child.stdin!.on("error", () => {}); // a command that ignores stdin may close it early
    child.stdin!.end(JSON.stringify(lease.ticket) + "\n");
    child.stdout!.on("data", (c: Buffer) => (run.stdout = tail(run.stdout, c)));
    child.stderr!.on("data", (c: Buffer) => (run.stderr = tail(run.stderr, c)));
    const c = this.d.cfg();
    const started = Date.now();
    run.timers.push(
      setInterval(() => this.beat(run), c.heartbeat_ms),
      setTimeout(() => this.stop(id, `timed out after ${lease.deadline - started} ms`), Math.max(0, lease.deadline - started)),
    );
    child.once("error", (err) => this.finished(run, null, null, err));
    child.once("close", (code, signal) => this.finished(run, code, signal, null));
    this.beat(run);
  }

  private beat(run: Run): void {
    try {
      this.d.book.heartbeat(run.lease.ticket.id, run.lease.lease);
    } catch (err) {
      if (err instanceof SwarmError && err.kind === "CONFLICT") this.stop(run.lease.ticket.id, `lease lost: ${err.message}`);
      else this.d.logger.warn("heartbeat failed", { ticket: run.lease.ticket.id, error: String(err) });
    }
  }

  /** Stops a run (cancel, timeout, lost lease); its directory is kept for inspection. */
  stop(id: string, reason: string): boolean {
    const run = this.runs.get(id);
    if (!run) return false;
    run.stopReason ??= reason;
    const pid = run.child.pid;
    if (pid) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 2000);
      t.unref();
    }
    return true;
  }

  private finished(run: Run, code: number | null, signal: NodeJS.Signals | null, err: Error | null): void {
    if (this.runs.get(run.lease.ticket.id) !== run) return;
    this.runs.delete(run.lease.ticket.id);
    run.timers.forEach((t) => clearTimeout(t));
    const { id } = run.lease.ticket;
    const token = run.lease.lease;
    try {
      if (code === 0 && !run.stopReason) {
        this.d.complete(id, token, { exit_code: 0, run_dir: run.dir, stdout_tail: run.stdout }, ["exit-status"]);
      } else {
        const what = err ? `could not start: ${err.message}` : (run.stopReason ?? (signal ? `killed by ${signal}` : `exit code ${code}`));
        const detail = run.stderr.trim() ? `; stderr: ${run.stderr.trim().slice(-500)}` : "";
        const retryable = !err && !(run.stopReason?.startsWith("cancel") ?? false);
        this.d.book.fail(id, token, what + detail, retryable);
      }
    } catch (e) {
      // Stale lease (cancelled, swept, re-leased): the ticket's fate is already decided.
      if (!(e instanceof SwarmError && e.kind === "CONFLICT")) this.d.logger.error("finishing run failed", { ticket: id, error: String(e) });
    }
    if (!this.stopping) setImmediate(() => this.tick());
  }

  /** At shutdown: stop runs; their leases expire and the tickets are retried after restart. */
  stopAll(): void {
    this.stopping = true;
    for (const id of this.runs.keys()) this.stop(id, "daemon shutting down");
  }
}
