import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { pidAlive } from "../../protocol/os.js";
import { pollUntil } from "../../protocol/wait.js";
import { Semaphore } from "../../protocol/limit.js";

/** The variable every runtime's program gets (and its descendants inherit): how a sweep recognises them. */
export const RUNTIME_MARKER = "SWARM_RUNTIME_ID";

/** One process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  session: number;
  zombie: boolean;
  /** start time, ms since the epoch */
  startedMs: number;
}

/** Where a runtime's processes are looked for; the defaults are this host's. */
export interface ProcessTreeOptions {
  /** the cgroup v1 freezer hierarchy (unused by the providers, which limit through pids/memory/cpu); null: no groups */
  freezerRoot?: string | null;
  procRoot?: string;
  /** pids never signalled: the daemon itself and its parent */
  protect?: number[];
}

/** What a runtime's tree is found by: its id (the marker and the group), its first process, when it started. */
export interface TreeRef {
  id: string;
  /** the program's pid (a session leader: the PTY or tmux made it one) */
  pid: number | null;
  /** the row's created_at: a process older than the runtime is never one of its own */
  createdAt: string;
  /** pids that belong to swarm, not to the program (the PTY holder) */
  exclude?: (number | null)[];
}

export interface EndResult {
  /** pids signalled */
  signalled: number[];
  /** pids still alive after SIGKILL (uninterruptible sleep, another user's) */
  left: number[];
}

const GROUP_PARENT = "swarm-runtimes";

/**
 * /proc files open at once, over every scan of this instance together. Unbounded, 200
 * runtimes killed at once opened every /proc/PID/stat for each of them and hit EMFILE, and
 * a read that failed so looked like a process that was not there (so it was not killed).
 * The fs thread pool has 4 threads: more in flight than this buys nothing.
 */
export const PROC_READS_AT_ONCE = 16;

const DEFAULT_FREEZER = "/sys/fs/cgroup/freezer";

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every process of a runtime, so the whole tree ends with it (issue 11, defect 7: Codex
 * leaves `codex app-server` processes that `setsid` away from the PTY's session).
 *
 * A process belongs to a runtime when any of these holds:
 * - it is in the runtime's own cgroup (v1 freezer hierarchy, where writable: the program
 *   joins it before its first instruction, so nothing it starts can leave it);
 * - its environment carries `SWARM_RUNTIME_ID=<id>` (inherited across `setsid` and double
 *   forks; only a program that clears its environment drops it);
 * - it is in the program's session or below the program in the parent tree (catches a
 *   child that cleared its environment but did not leave).
 * Processes that started before the runtime never count, so a recycled pid is safe.
 */
export class ProcessTrees {
  private readonly freezer: string | null;
  private readonly proc: string;
  private readonly protect: Set<number>;
  private readonly bootMs: number;
  private readonly ending = new Map<string, Promise<EndResult>>();
  private readonly reads = new Semaphore(PROC_READS_AT_ONCE);
  private scanning: Promise<Map<number, ProcInfo>> | null = null;
  private nextScan: Promise<Map<number, ProcInfo>> | null = null;

  constructor(o: ProcessTreeOptions = {}) {
    const root = o.freezerRoot === undefined ? DEFAULT_FREEZER : o.freezerRoot;
    this.freezer = root && fs.existsSync(path.join(root, "cgroup.procs")) && writable(root) ? root : null;
    this.proc = o.procRoot ?? "/proc";
    this.protect = new Set([1, process.pid, process.ppid, ...(o.protect ?? [])]);
    this.bootMs = bootTimeMs(this.proc);
  }

  /** "cgroup v1 freezer" when runtimes get their own group, else how they are found without one. */
  get mechanism(): string {
    return this.freezer ? `cgroup ${this.groupDir("<id>")}` : `environment marker ${RUNTIME_MARKER} + session + parent tree`;
  }

  private groupDir(id: string): string {
    return path.join(this.freezer ?? "", GROUP_PARENT, id);
  }

  /**
   * Before a runtime starts: its marker variable, and argv that joins its cgroup first
   * (`sh -c 'echo $$ > cgroup.procs; exec "$@"'`: same pid, the group holds it from its
   * first instruction). Without a writable group the argv is unchanged.
   */
  prepare(id: string, argv: string[]): { argv: string[]; vars: Record<string, string> } {
    const vars = { [RUNTIME_MARKER]: id };
    if (!this.freezer) return { argv, vars };
    const dir = this.groupDir(id);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      return { argv, vars };
    }
    const procs = path.join(dir, "cgroup.procs").replace(/'/g, "'\\''");
    return { argv: ["/bin/sh", "-c", `{ echo $$ > '${procs}'; } 2>/dev/null; exec "$@"`, "swarm-runtime", ...argv], vars };
  }

  /** The live processes of a runtime (zombies excluded: they are already gone). */
  async members(ref: TreeRef): Promise<number[]> {
    const procs = await this.scan();
    const since = Date.parse(ref.createdAt) - 2000; // clock ticks are coarse; a little slack
    const own = (p: ProcInfo) => !p.zombie && p.startedMs >= since && !this.protect.has(p.pid) && !(ref.exclude ?? []).includes(p.pid);
    const found = new Set<number>();
    for (const pid of await this.groupPids(ref.id)) if (procs.has(pid) && own(procs.get(pid)!)) found.add(pid);
    const children = new Map<number, number[]>();
    for (const p of procs.values()) {
      const list = children.get(p.ppid) ?? [];
      list.push(p.pid);
      children.set(p.ppid, list);
      if (own(p) && ref.pid && p.session === ref.pid) found.add(p.pid);
    }
    if (ref.pid && procs.has(ref.pid) && own(procs.get(ref.pid)!)) found.add(ref.pid);
    // below anything found so far, then anything carrying the marker
    for (const pid of await this.marked(ref.id, procs, own)) found.add(pid);
    const queue = [...found];
    while (queue.length) {
      for (const c of children.get(queue.pop()!) ?? []) {
        const p = procs.get(c);
        if (p && own(p) && !found.has(c)) {
          found.add(c);
          queue.push(c);
        }
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /**
   * Ends every process of a runtime: `signal` to all of them, then SIGKILL to whatever is
   * left after `graceMs` (at once for SIGKILL). With a cgroup the group is frozen while the
   * SIGKILLs go out, so nothing can fork past the sweep. Calls for one runtime with the same
   * signal share one sweep (a SIGKILL never waits on a SIGTERM sweep's grace).
   */
  end(ref: TreeRef, signal: NodeJS.Signals, graceMs: number): Promise<EndResult> {
    const key = `${ref.id} ${signal}`;
    const running = this.ending.get(key);
    if (running) return running;
    const p = this.endNow(ref, signal, graceMs).finally(() => this.ending.delete(key));
    this.ending.set(key, p);
    return p;
  }

  private async endNow(ref: TreeRef, signal: NodeJS.Signals, graceMs: number): Promise<EndResult> {
    const signalled = new Set<number>();
    if (signal !== "SIGKILL") {
      const first = await this.members(ref);
      for (const pid of first) if (kill(pid, signal)) signalled.add(pid);
      if (first.length) await pollUntil(async () => (await this.members(ref)).length === 0, { timeoutMs: graceMs, everyMs: 25 });
    }
    for (let round = 0; round < 5; round++) {
      const left = await this.members(ref);
      if (left.length === 0) break;
      await this.frozen(ref.id, true);
      for (const pid of left) if (kill(pid, "SIGKILL")) signalled.add(pid);
      await this.frozen(ref.id, false);
      await pollUntil(() => left.every((pid) => !pidAlive(pid)), { timeoutMs: 500, everyMs: 10 });
    }
    const left = (await this.members(ref)).filter(pidAlive);
    // the kernel lets go of the group once the last member is reaped, which can take a while: keep trying in the background
    if (left.length === 0) void this.release(ref.id, 10_000);
    return { signalled: [...signalled].sort((a, b) => a - b), left };
  }

  /** Removes the runtime's group once it is empty; false while it still holds processes. */
  async release(id: string, timeoutMs = 500): Promise<boolean> {
    if (!this.freezer) return true;
    const ok = await pollUntil(
      async () => {
        try {
          await fsp.rmdir(this.groupDir(id));
          return true;
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === "ENOENT";
        }
      },
      { timeoutMs, everyMs: 50 },
    );
    return ok === true;
  }

  private async frozen(id: string, on: boolean): Promise<void> {
    if (!this.freezer) return;
    const state = path.join(this.groupDir(id), "freezer.state");
    try {
      await fsp.writeFile(state, on ? "FROZEN" : "THAWED");
    } catch {
      return; // no group (never made, already removed): the plain sweep still runs
    }
    if (on) await pollUntil(async () => (await fsp.readFile(state, "utf8").catch(() => "FROZEN")).trim() === "FROZEN", { timeoutMs: 200, everyMs: 5 });
  }

  private async groupPids(id: string): Promise<number[]> {
    if (!this.freezer) return [];
    const t = await fsp.readFile(path.join(this.groupDir(id), "cgroup.procs"), "utf8").catch(() => "");
    return t.split("\n").filter(Boolean).map(Number);
  }

  private async marked(id: string, procs: Map<number, ProcInfo>, own: (p: ProcInfo) => boolean): Promise<number[]> {
    const needle = Buffer.from(`\0${RUNTIME_MARKER}=${id}\0`);
    const out: number[] = [];
    await Promise.all(
      [...procs.values()].filter(own).map(async (p) => {
        const env = await this.reads.with(() => fsp.readFile(path.join(this.proc, String(p.pid), "environ"))).catch(() => null);
        if (env && Buffer.concat([Buffer.from([0]), env, Buffer.from([0])]).includes(needle)) out.push(p.pid);
      }),
    );
    return out;
  }

  /**
   * Every process on the host. A scan asked for while one runs shares the next one, which
   * starts when the running one ends: no caller gets a list read before it asked, and any
   * number of sweeps at once (200 kills) cost at most two scans in flight.
   */
  private scan(): Promise<Map<number, ProcInfo>> {
    if (!this.scanning) {
      this.scanning = this.scanNow().finally(() => (this.scanning = null));
      return this.scanning;
    }
    this.nextScan ??= this.scanning.then(() => {
      this.nextScan = null;
      return this.scan();
    });
    return this.nextScan;
  }

  /** One read of /proc/PID/stat for every pid. */
  private async scanNow(): Promise<Map<number, ProcInfo>> {
    const out = new Map<number, ProcInfo>();
    const names = await fsp.readdir(this.proc).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((n) => /^\d+$/.test(n))
        .map(async (n) => {
          const stat = await this.reads.with(() => fsp.readFile(path.join(this.proc, n, "stat"), "utf8")).catch(() => null);
          const p = stat ? parseStat(stat, this.bootMs) : null;
          if (p) out.set(p.pid, p);
        }),
    );
    return out;
  }
}

/** Parses /proc/PID/stat; the command name sits in parentheses and may itself hold spaces or ")". */
export function parseStat(stat: string, bootMs: number): ProcInfo | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(" ");
  const pid = Number(stat.slice(0, stat.indexOf(" ")));
  // fields after the name: state(3) ppid(4) pgrp(5) session(6) … starttime(22), in clock ticks since boot
  const ticks = Number(f[19]);
  if (!Number.isInteger(pid) || !Number.isFinite(ticks)) return null;
  return { pid, ppid: Number(f[1]), session: Number(f[3]), zombie: f[0] === "Z" || f[0] === "X", startedMs: bootMs + ticks * 10 };
}

/** Boot time from /proc/stat's btime (seconds); start times in stat are ticks after it (USER_HZ is 100 on Linux). */
function bootTimeMs(proc: string): number {
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync(path.join(proc, "stat"), "utf8"));
    return m ? Number(m[1]) * 1000 : 0;
  } catch {
    return 0;
  }
}

function kill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
