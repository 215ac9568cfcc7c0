import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type {
  Checkpointing,
  CheckpointInfo,
  DetectResult,
  EnvHandle,
  EnvSpec,
  EnvStatus,
  ExecOptions,
  ExecResult,
  HostCommand,
  PtyOptions,
  Provider,
  ProviderContext,
  ProviderInfo,
  ProgressFn,
  PurgesDeleted,
  RestoresDeleted,
} from "../types.js";
import { TICKET_BRANCH_PREFIX } from "../../protocol/names.js";
import { copyIntoDir, copyOutOfDir } from "../common/copy.js";
import { Git } from "../common/git.js";
import { assertArgv, assertName } from "../common/ids.js";
import { KeyedLock } from "../../protocol/keyed-lock.js";
import { Semaphore } from "../../protocol/limit.js";
import { processesIn, terminate } from "../common/procs.js";
import { runProcess, which, type Runner } from "../common/run.js";
import { resolveInside } from "../common/safe-path.js";
import { WorktreeCheckpoints } from "./checkpoints.js";
import { limitsFor, WorktreeGroups, type WorktreeLimits } from "./limits.js";
import { WorktreeTrash, type TrashEntry } from "./trash.js";
import { reclaimFilesAndBranch, undoCreate, type UndoDeps } from "./undo.js";

export interface WorktreeData extends Record<string, unknown> {
  repo: string;
  commonDir: string;
  branch: string;
  base: string;
  path: string;
  stopped: boolean;
  /** enforced where cgroups are writable; absent on handles made before limits existed (= none) */
  limits?: WorktreeLimits;
}

export interface WorktreeOptions {
  runner?: Runner;
  /** parallel checkouts at most (default 2 per CPU, at least 4) */
  checkoutConcurrency?: number;
  /** pids limit per environment where cgroups are writable (default 4096) */
  pidsMax?: number;
  /** false to not use cgroups even where writable */
  cgroups?: boolean;
}

/** One lock per repository for all providers in this process: git's worktree metadata step is not concurrency-safe. */
const repoLocks = new KeyedLock();

/**
 * A git worktree per environment on its own branch; processes run on the host in it.
 * Creation serialises `git worktree add --no-checkout` per repository (concurrent adds
 * race on `.git/worktrees/<n>/commondir`) and checks out in parallel.
 */
export class WorktreeProvider implements Provider, Checkpointing, RestoresDeleted, PurgesDeleted {
  readonly git: Git;
  private readonly run: Runner;
  private readonly checkouts: Semaphore;
  private readonly checkpoints: WorktreeCheckpoints;
  readonly trash: WorktreeTrash;
  readonly groups: WorktreeGroups;
  private readonly repoInfos = new Map<string, Promise<{ top: string; commonDir: string }>>();

  constructor(
    private readonly ctx: ProviderContext,
    opts: WorktreeOptions = {},
  ) {
    this.run = opts.runner ?? runProcess;
    this.git = new Git(this.run);
    this.checkouts = new Semaphore(opts.checkoutConcurrency ?? Math.max(4, os.cpus().length * 2));
    this.checkpoints = new WorktreeCheckpoints(this.git, path.join(ctx.stateDir, "checkpoints"), path.join(ctx.stateDir, "tmp"));
    this.groups = new WorktreeGroups(ctx.stateDir, opts.pidsMax ?? 4096, opts.cgroups !== false);
    this.trash = new WorktreeTrash(this.git, path.join(ctx.stateDir, "trash"), (repo, fn) => repoLocks.with(repo, fn));
  }

  info(): ProviderInfo {
    return {
      name: "worktree",
      summary: "a git worktree on its own branch; processes run on the host in that directory (no isolation)",
      features: {
        checkpoint: true,
        copyOnWrite: false,
        network: ["full"],
        enforcesResources: this.groups.cgroups !== null,
        processesOutliveDaemon: true,
        restoreDeleted: true,
        baseImage: false,
        close: false,
      },
    };
  }

  async detect(): Promise<DetectResult> {
    const git = await which("git");
    if (!git) return { available: false, reason: "git is not installed", installHint: "apt-get install -y git" };
    const v = await this.run("git", ["--version"]).catch(() => null);
    const version =
      v?.stdout
        .toString()
        .trim()
        .replace(/^git version /, "") ?? "unknown";
    const warnings = this.groups.cgroups ? [] : [`memory, pids and CPU limits are counted, not enforced: ${this.groups.reason}`];
    return { available: true, warnings, details: { git, version, cgroups: this.groups.cgroups?.kind ?? null } };
  }

  private dirFor(name: string): string {
    return path.join(this.ctx.stateDir, "worktrees", name);
  }

  async create(spec: EnvSpec, progress?: ProgressFn): Promise<EnvHandle> {
    assertName(spec.name);
    if (spec.net && spec.net !== "full") {
      throw new SwarmError("INVALID_ARGUMENT", `the worktree provider cannot enforce network mode ${spec.net}: its processes run on the host`, {
        hint: "use --provider sandbox (or vm) for --net none|proxy",
      });
    }
    const dir = this.dirFor(spec.name);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    // mkdir is the atomic claim on the name: two creates of one name cannot both pass it.
    await fs.mkdir(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "EEXIST")
        throw new SwarmError("CONFLICT", `environment ${spec.name} already exists (${dir})`, { hint: "pick another name or delete it first" });
      throw e;
    });
    let registered = false;
    const branch = spec.branch || `swarm/${spec.name}`;
    try {
      await this.groups.claim(spec.name);
      const { top, commonDir } = await this.repoInfo(spec.repo);
      const base = await this.git.resolveCommitFast(top, spec.base ?? "HEAD");
      progress?.({ phase: "worktree", message: `adding worktree on ${branch}` });
      // The serial step: one git process per create (git refuses an existing branch itself;
      // a separate check would double the time every other create waits here).
      await repoLocks.with(commonDir, async () => {
        try {
          await this.git.out(top, ["worktree", "add", "--quiet", "--no-checkout", "-b", branch, dir, base], { LC_ALL: "C" });
        } catch (e) {
          // older git wrote "A branch named"
          if (/a branch named '.*' already exists/i.test((e as Error).message)) {
            // A ticket's branch outlives its environment (the trash keeps its name): a new
            // environment for the ticket goes on with its commits.
            if (branch.startsWith(TICKET_BRANCH_PREFIX)) {
              await this.git.out(top, ["worktree", "add", "--quiet", "--no-checkout", dir, branch], { LC_ALL: "C" });
              registered = true;
              return;
            }
            throw new SwarmError("CONFLICT", `branch ${branch} already exists in ${top}`, { hint: "pass another --branch, or delete that branch" });
          }
          registered = true; // git may have made the branch before failing: undo removes it
          throw e;
        }
        registered = true;
      });
      progress?.({ phase: "checkout", message: "checking out files" });
      await this.checkouts.with(() => this.git.out(dir, ["reset", "-q", "--hard"]));
      const data: WorktreeData = { repo: top, commonDir, branch, base, path: dir, stopped: false, limits: limitsFor(spec) };
      return { name: spec.name, provider: "worktree", hostPath: dir, data };
    } catch (err) {
      await undoCreate(this.undoDeps(), spec, dir, branch, registered);
      throw err;
    }
  }

  private undoDeps(): UndoDeps {
    return { git: this.git, logger: this.ctx.logger, repoLocks };
  }

  /** Git.repoInfo, asked once for a burst of concurrent creates on one repository (then Git caches it). */
  private repoInfo(repo: string): Promise<{ top: string; commonDir: string }> {
    let p = this.repoInfos.get(repo);
    if (!p) {
      p = this.git.repoInfo(repo).finally(() => this.repoInfos.delete(repo));
      this.repoInfos.set(repo, p);
    }
    return p;
  }

  private data(h: EnvHandle): WorktreeData {
    return h.data as WorktreeData;
  }

  private limits(h: EnvHandle): WorktreeLimits {
    return this.data(h).limits ?? { memoryMiB: 0, cpus: 0 };
  }

  private async requireDir(h: EnvHandle): Promise<string> {
    const dir = this.data(h).path;
    if (
      !(await fs.stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new SwarmError("NOT_FOUND", `environment ${h.name} has no worktree at ${dir} (deleted?)`, {
        hint: `if it was deleted, swarmctl env restore-deleted ${h.name}`,
      });
    }
    return dir;
  }

  private async requireRunning(h: EnvHandle): Promise<string> {
    const dir = await this.requireDir(h);
    if (this.data(h).stopped) {
      throw new SwarmError("INVALID_TRANSITION", `environment ${h.name} is stopped`, { hint: `start it: swarmctl env start ${h.name}` });
    }
    return dir;
  }

  async start(h: EnvHandle): Promise<EnvHandle> {
    await this.requireDir(h);
    return { ...h, data: { ...h.data, stopped: false } };
  }

  private pids(h: EnvHandle): Promise<number[]> {
    return this.groups.pids(h.name, this.data(h).path);
  }

  async stop(h: EnvHandle): Promise<EnvHandle> {
    await this.requireDir(h);
    await terminate(await this.pids(h));
    return { ...h, data: { ...h.data, stopped: true } };
  }

  async status(h: EnvHandle): Promise<EnvStatus> {
    const d = this.data(h);
    const exists = await fs.stat(d.path).then(
      () => true,
      () => false,
    );
    if (!exists) return { state: "deleted", detail: `no worktree at ${d.path}` };
    const pids = await this.pids(h);
    const limits = this.groups.cgroups ? `limits enforced (cgroup ${this.groups.cgroups.kind})` : "limits not enforced";
    return {
      state: d.stopped ? "stopped" : "running",
      processes: pids.length,
      detail: `branch ${d.branch} at ${d.path}, ${limits}`,
      resources: this.limits(h),
    };
  }

  async delete(h: EnvHandle, opts: { force: boolean }): Promise<void> {
    const d = this.data(h);
    const dir = await this.requireDir(h);
    const pids = await this.pids(h);
    if (!opts.force) {
      const reasons: string[] = [];
      if (pids.length > 0) reasons.push(`${pids.length} live process(es) (pid ${pids.slice(0, 5).join(", ")})`);
      const dirty = await this.git.dirtyFiles(dir);
      if (dirty.length > 0)
        reasons.push(
          `uncommitted changes in ${dirty.length} file(s): ${dirty
            .slice(0, 5)
            .map((l) => l.slice(3))
            .join(", ")}`,
        );
      const unmerged = await this.git.unmergedCommits(d.repo, d.branch, d.base).catch(() => 0);
      if (unmerged > 0) reasons.push(`${unmerged} unmerged commit(s) on ${d.branch}`);
      if (reasons.length > 0) {
        throw new SwarmError("CONFLICT", `environment ${h.name} has ${reasons.join("; ")}`, {
          hint: `commit/merge or stop them first, or delete with --force (it goes to the trash: swarmctl env restore-deleted ${h.name})`,
          details: { reasons },
        });
      }
    }
    await terminate(pids);
    const left = await this.groups.remove(h.name);
    // The files still go; a later create of this name refuses while the group holds processes.
    if (left.length > 0) this.ctx.logger.warn("cgroup(s) of a deleted environment could not be removed", { env: h.name, left });
    const entry = { name: h.name, repo: d.repo, commonDir: d.commonDir, branch: d.branch, base: d.base, path: dir, ...(d.limits ? { limits: d.limits } : {}) };
    await this.trash.put(entry, this.checkpoints.dir(h.name));
  }

  /** Brings back the most recently deleted environment of that name from the trash. */
  async restoreDeleted(name: string): Promise<EnvHandle> {
    assertName(name);
    const dir = this.dirFor(name);
    if (
      await fs.stat(dir).then(
        () => true,
        () => false,
      )
    ) {
      throw new SwarmError("CONFLICT", `environment ${name} exists again (${dir}); delete it before restoring the old one`);
    }
    const e = await this.trash.restore(name, dir, this.checkpoints.dir(name));
    const data: WorktreeData = {
      repo: e.repo,
      commonDir: e.commonDir,
      branch: e.branch,
      base: e.base,
      path: dir,
      stopped: false,
      ...(e.limits ? { limits: e.limits } : {}),
    };
    return { name, provider: "worktree", hostPath: dir, data };
  }

  async listDeleted(): Promise<TrashEntry[]> {
    return this.trash.list();
  }

  async purgeDeleted(olderThanMs: number, ids?: readonly string[]): Promise<TrashEntry[]> {
    return this.trash.purge(olderThanMs, Date.now(), ids);
  }

  async exec(h: EnvHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertArgv(argv);
    const dir = await this.requireRunning(h);
    const cwd = await resolveInside(dir, opts.cwd ?? ".", "working directory");
    const c = await this.groups.wrap(h.name, this.limits(h), argv);
    return this.run(c.file, c.args, {
      cwd,
      env: { ...process.env, ...this.ctx.forwardedEnv(h), ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs,
    });
  }

  async ptyCommand(h: EnvHandle, argv: string[], opts: PtyOptions = {}): Promise<HostCommand> {
    assertArgv(argv);
    const dir = await this.requireRunning(h);
    const cwd = await resolveInside(dir, opts.cwd ?? ".", "working directory");
    const env = { ...stringEnv(process.env), ...this.ctx.forwardedEnv(h), ...opts.env, ...opts.privateEnv };
    return { ...(await this.groups.wrap(h.name, this.limits(h), argv)), cwd, env };
  }

  async copyIn(h: EnvHandle, hostPath: string, envPath: string): Promise<void> {
    await copyIntoDir(await this.requireDir(h), hostPath, envPath);
  }

  async copyOut(h: EnvHandle, envPath: string, hostPath: string): Promise<void> {
    await copyOutOfDir(await this.requireDir(h), envPath, hostPath);
  }

  /**
   * A create makes, in order: the folder, git's worktree record + the branch (one
   * `worktree add`), the checkout. Undo each one that is there: the folder (after ending
   * a checkout still writing into it), the record (pruned, or removed by hand when a dead
   * `worktree add` left it locked), and the branch only when it is ours and holds no
   * commits of its own, so nothing anyone committed is ever deleted. Ours means: git's
   * record of our folder has it checked out (`worktree add -b` refuses an existing branch,
   * so that add made it), or it is the default swarm/<name>. A `--branch` the create never
   * got to register (the daemon died waiting on the repository lock) is the user's.
   */
  async reclaim(spec: EnvSpec): Promise<void> {
    assertName(spec.name);
    const dir = this.dirFor(spec.name);
    const branch = spec.branch || `swarm/${spec.name}`;
    if (
      await fs.stat(dir).then(
        () => true,
        () => false,
      )
    )
      await terminate(await processesIn(dir), 1000);
    const left = await this.groups.remove(spec.name);
    await reclaimFilesAndBranch(this.undoDeps(), spec, dir, branch);
    // the rest is gone; the record stays (in error, with this) until the group can go too
    if (left.length > 0) throw new SwarmError("UNAVAILABLE", `cannot remove the cgroup(s) of ${spec.name}: ${left.join("; ")}`);
  }

  async checkpoint(h: EnvHandle, name: string): Promise<CheckpointInfo> {
    const d = this.data(h);
    return this.checkpoints.create(h.name, await this.requireDir(h), d.commonDir, name);
  }

  async restore(h: EnvHandle, name: string): Promise<EnvHandle> {
    const dir = await this.requireDir(h);
    await terminate(await this.pids(h));
    await this.checkpoints.restore(h.name, dir, this.data(h).commonDir, name);
    return h;
  }

  async listCheckpoints(h: EnvHandle): Promise<CheckpointInfo[]> {
    return this.checkpoints.list(h.name);
  }
}

export function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
