import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type {
  Checkpointing, CheckpointInfo, DetectResult, EnvHandle, EnvSpec, EnvStatus, ExecOptions, ExecResult,
  HostCommand, Provider, ProviderContext, ProviderInfo, ProgressFn,
} from "../types.js";
import { copyIntoDir, copyOutOfDir } from "../common/copy.js";
import { Git } from "../common/git.js";
import { assertArgv, assertName } from "../common/ids.js";
import { KeyedLock, Semaphore } from "../common/limit.js";
import { processesIn, terminate } from "../common/procs.js";
import { runProcess, which, type Runner } from "../common/run.js";
import { resolveInside } from "../common/safe-path.js";
import { WorktreeCheckpoints } from "./checkpoints.js";
import { WorktreeTrash, type TrashEntry } from "./trash.js";

export interface WorktreeData extends Record<string, unknown> {
  repo: string;
  commonDir: string;
  branch: string;
  base: string;
  path: string;
  stopped: boolean;
}

export interface WorktreeOptions {
  runner?: Runner;
  /** parallel checkouts at most (default 2 per CPU, at least 4) */
  checkoutConcurrency?: number;
}

/** One lock per repository for all providers in this process: git's worktree metadata step is not concurrency-safe. */
const repoLocks = new KeyedLock();

/**
 * A git worktree per environment on its own branch; processes run on the host in it.
 * Creation serialises `git worktree add --no-checkout` per repository (concurrent adds
 * race on `.git/worktrees/<n>/commondir`) and checks out in parallel.
 */
export class WorktreeProvider implements Provider, Checkpointing {
  readonly git: Git;
  private readonly run: Runner;
  private readonly checkouts: Semaphore;
  private readonly checkpoints: WorktreeCheckpoints;
  readonly trash: WorktreeTrash;

  constructor(private readonly ctx: ProviderContext, opts: WorktreeOptions = {}) {
    this.run = opts.runner ?? runProcess;
    this.git = new Git(this.run);
    this.checkouts = new Semaphore(opts.checkoutConcurrency ?? Math.max(4, os.cpus().length * 2));
    this.checkpoints = new WorktreeCheckpoints(this.git, path.join(ctx.stateDir, "checkpoints"), path.join(ctx.stateDir, "tmp"));
    this.trash = new WorktreeTrash(this.git, path.join(ctx.stateDir, "trash"), (repo, fn) => repoLocks.with(repo, fn));
  }

  info(): ProviderInfo {
    return {
      name: "worktree",
      summary: "a git worktree on its own branch; processes run on the host in that directory (no isolation)",
      features: { checkpoint: true, copyOnWrite: false, network: ["full"], enforcesResources: false, processesOutliveDaemon: true },
    };
  }

  async detect(): Promise<DetectResult> {
    const git = await which("git");
    if (!git) return { available: false, reason: "git is not installed", installHint: "apt-get install -y git" };
    const v = await this.run("git", ["--version"]).catch(() => null);
    const version = v?.stdout.toString().trim().replace(/^git version /, "") ?? "unknown";
    return { available: true, details: { git, version } };
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
      if (e.code === "EEXIST") throw new SwarmError("CONFLICT", `environment ${spec.name} already exists (${dir})`, { hint: "pick another name or delete it first" });
      throw e;
    });
    let registered = false;
    const branch = spec.branch || `swarm/${spec.name}`;
    try {
      const { top, commonDir } = await this.git.repoInfo(spec.repo);
      const base = await this.git.resolveCommit(top, spec.base ?? "HEAD");
      progress?.({ phase: "worktree", message: `adding worktree on ${branch}` });
      await repoLocks.with(commonDir, async () => {
        if (await this.git.branchExists(top, branch)) {
          throw new SwarmError("CONFLICT", `branch ${branch} already exists in ${top}`, { hint: "pass another --branch, or delete that branch" });
        }
        await this.git.out(top, ["worktree", "add", "--quiet", "--no-checkout", "-b", branch, dir, base]);
        registered = true;
      });
      progress?.({ phase: "checkout", message: "checking out files" });
      await this.checkouts.with(() => this.git.out(dir, ["reset", "-q", "--hard"]));
      const data: WorktreeData = { repo: top, commonDir, branch, base, path: dir, stopped: false };
      return { name: spec.name, provider: "worktree", hostPath: dir, data };
    } catch (err) {
      await this.undoCreate(spec.repo, dir, branch, registered);
      throw err;
    }
  }

  private async undoCreate(repo: string, dir: string, branch: string, registered: boolean): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
    if (!registered) return;
    const info = await this.git.repoInfo(repo).catch(() => null);
    if (!info) return;
    await repoLocks.with(info.commonDir, async () => {
      await this.git.tryOut(info.top, ["worktree", "prune"]);
      await this.git.tryOut(info.top, ["branch", "-D", branch]);
    });
  }

  private data(h: EnvHandle): WorktreeData {
    return h.data as WorktreeData;
  }

  private async requireDir(h: EnvHandle): Promise<string> {
    const dir = this.data(h).path;
    if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) {
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

  async stop(h: EnvHandle): Promise<EnvHandle> {
    const dir = await this.requireDir(h);
    await terminate(await processesIn(dir));
    return { ...h, data: { ...h.data, stopped: true } };
  }

  async status(h: EnvHandle): Promise<EnvStatus> {
    const d = this.data(h);
    const exists = await fs.stat(d.path).then(() => true, () => false);
    if (!exists) return { state: "deleted", detail: `no worktree at ${d.path}` };
    const pids = await processesIn(d.path);
    return { state: d.stopped ? "stopped" : "running", processes: pids.length, detail: `branch ${d.branch} at ${d.path}` };
  }

  async delete(h: EnvHandle, opts: { force: boolean }): Promise<void> {
    const d = this.data(h);
    const dir = await this.requireDir(h);
    const pids = await processesIn(dir);
    if (!opts.force) {
      const reasons: string[] = [];
      if (pids.length > 0) reasons.push(`${pids.length} live process(es) (pid ${pids.slice(0, 5).join(", ")})`);
      const dirty = await this.git.dirtyFiles(dir);
      if (dirty.length > 0) reasons.push(`uncommitted changes in ${dirty.length} file(s): ${dirty.slice(0, 5).map((l) => l.slice(3)).join(", ")}`);
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
    await this.trash.put({ name: h.name, repo: d.repo, commonDir: d.commonDir, branch: d.branch, base: d.base, path: dir }, this.checkpoints.dir(h.name));
  }

  /** Brings back the most recently deleted environment of that name from the trash. */
  async restoreDeleted(name: string): Promise<EnvHandle> {
    assertName(name);
    const dir = this.dirFor(name);
    if (await fs.stat(dir).then(() => true, () => false)) {
      throw new SwarmError("CONFLICT", `environment ${name} exists again (${dir}); delete it before restoring the old one`);
    }
    const e = await this.trash.restore(name, dir, this.checkpoints.dir(name));
    const data: WorktreeData = { repo: e.repo, commonDir: e.commonDir, branch: e.branch, base: e.base, path: dir, stopped: false };
    return { name, provider: "worktree", hostPath: dir, data };
  }

  async listDeleted(): Promise<TrashEntry[]> {
    return this.trash.list();
  }

  async exec(h: EnvHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertArgv(argv);
    const dir = await this.requireRunning(h);
    const cwd = await resolveInside(dir, opts.cwd ?? ".", "working directory");
    return this.run(argv[0]!, argv.slice(1), {
      cwd,
      env: { ...process.env, ...this.ctx.forwardedEnv(h), ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs,
    });
  }

  async ptyCommand(h: EnvHandle, argv: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<HostCommand> {
    assertArgv(argv);
    const dir = await this.requireRunning(h);
    const cwd = await resolveInside(dir, opts.cwd ?? ".", "working directory");
    const env = { ...stringEnv(process.env), ...this.ctx.forwardedEnv(h), ...opts.env };
    return { file: argv[0]!, args: argv.slice(1), cwd, env };
  }

  async copyIn(h: EnvHandle, hostPath: string, envPath: string): Promise<void> {
    await copyIntoDir(await this.requireDir(h), hostPath, envPath);
  }

  async copyOut(h: EnvHandle, envPath: string, hostPath: string): Promise<void> {
    await copyOutOfDir(await this.requireDir(h), envPath, hostPath);
  }

  // TODO(reclaim): implemented by this provider's owner; see Provider.reclaim
  async reclaim(spec: EnvSpec): Promise<void> {
    throw new SwarmError("UNAVAILABLE", `reclaiming an interrupted create of ${spec.name} is not implemented yet`);
  }

  async checkpoint(h: EnvHandle, name: string): Promise<CheckpointInfo> {
    const d = this.data(h);
    return this.checkpoints.create(h.name, await this.requireDir(h), d.commonDir, name);
  }

  async restore(h: EnvHandle, name: string): Promise<EnvHandle> {
    const dir = await this.requireDir(h);
    await terminate(await processesIn(dir));
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
