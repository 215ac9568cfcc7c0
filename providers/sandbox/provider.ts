import crypto from "node:crypto";
import fssync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { resolvePaths } from "../../protocol/paths.js";
import type {
  Checkpointing,
  Closable,
  CheckpointInfo,
  DetectResult,
  EnvHandle,
  EnvSpec,
  EnvStatus,
  ExecOptions,
  ExecResult,
  HostCommand,
  Provider,
  PtyOptions,
  ProviderContext,
  ProviderInfo,
  ProgressFn,
} from "../types.js";
import type { SandboxData, SandboxOptions } from "./data.js";
import { copyIntoDir, copyOutOfDir } from "../common/copy.js";
import { Git } from "../common/git.js";
import { assertArgv, assertName } from "../common/ids.js";
import { KeyedLock } from "../../protocol/keyed-lock.js";
import { processesIn, terminate } from "../common/procs.js";
import { runProcess, type Runner } from "../common/run.js";
import { resolveInside } from "../common/safe-path.js";
import { bwrapArgs } from "./bwrap-args.js";
import { repoRoot } from "../common/dist-path.js";
import { detectSandbox } from "./detect.js";
import { innerArgv } from "./inner-argv.js";
import { VARS_FD, openVarsThenExec, sourceVarsThenExec, writeVarsFile } from "./private-vars.js";
import { detectCgroups, joinAndExec, type Cgroups } from "../common/cgroups.js";
import { SandboxCheckpoints } from "./checkpoints.js";
import { baseKey, checkBranchName, ensureBase, envDirs, exists, isMounted, mountOverlay, unmount, writeBranch, type LayerMode } from "./layers.js";
import { AllowListProxy } from "../common/proxy.js";

export type { SandboxData, SandboxOptions } from "./data.js";

const locks = new KeyedLock();

/**
 * bubblewrap sandboxes: host read-only, the checkout writable, private /tmp /proc /dev,
 * own PID/IPC/UTS namespaces, no capabilities, network none|proxy|full, memory and pids
 * limits in a cgroup where writable. Checkouts are overlays over one shared clone per
 * repository + commit, so a create costs a mount, not a checkout.
 */
export class SandboxProvider implements Provider, Checkpointing, Closable {
  private readonly run: Runner;
  private readonly git: Git;
  private readonly mode: LayerMode;
  private readonly cgroups: Cgroups | null;
  private readonly cgroupsReason: string | undefined;
  private readonly proxies = new Map<string, AllowListProxy>();
  /** environments whose cgroups this process has set up (their cgroup.procs files) */
  private readonly cgroupFiles = new Map<string, string[]>();
  private readonly checkpoints: SandboxCheckpoints;
  private readonly hidePaths: string[];

  constructor(
    private readonly ctx: ProviderContext,
    private readonly opts: SandboxOptions = {},
  ) {
    this.run = opts.runner ?? runProcess;
    this.git = new Git(this.run);
    this.mode = opts.mode ?? (process.getuid?.() === 0 ? "overlay" : "clone");
    const prefix = `swarm-${crypto.createHash("sha256").update(ctx.stateDir).digest("hex").slice(0, 10)}`;
    const cg = opts.cgroups === false ? { cgroups: null, reason: "disabled by configuration" } : detectCgroups(prefix);
    this.cgroups = cg.cgroups;
    this.cgroupsReason = cg.reason;
    this.checkpoints = new SandboxCheckpoints(this.run, path.join(ctx.stateDir, "checkpoints"));
    const sp = resolvePaths(process.env);
    this.hidePaths = [ctx.stateDir, ...(opts.hidePaths ?? [sp.home, sp.dataDir, path.dirname(sp.configFile), sp.runDir])];
  }

  info(): ProviderInfo {
    return {
      name: "sandbox",
      summary: "bubblewrap namespaces (read-only host, private /tmp /proc /dev, PID/IPC) over a copy-on-write checkout",
      features: {
        checkpoint: true,
        copyOnWrite: this.mode === "overlay",
        network: ["none", "proxy", "full"],
        enforcesResources: this.cgroups !== null,
        processesOutliveDaemon: false,
        restoreDeleted: false,
        baseImage: false,
        close: true,
      },
    };
  }

  detect(): Promise<DetectResult> {
    return detectSandbox(this.run, this.mode, this.cgroups, this.cgroupsReason);
  }

  private data(h: EnvHandle): SandboxData {
    return h.data as SandboxData;
  }

  async create(spec: EnvSpec, progress?: ProgressFn): Promise<EnvHandle> {
    assertName(spec.name);
    const branch = spec.branch || `swarm/${spec.name}`;
    checkBranchName(branch);
    const net = spec.net ?? "none";
    if (!["none", "proxy", "full"].includes(net))
      throw new SwarmError("INVALID_ARGUMENT", `unknown network mode ${String(net)}`, { hint: "use none, proxy or full" });
    const d = envDirs(this.ctx.stateDir, spec.name);
    await fs.mkdir(path.dirname(d.root), { recursive: true });
    await fs.mkdir(d.root).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "EEXIST")
        throw new SwarmError("CONFLICT", `environment ${spec.name} already exists (${d.root})`, { hint: "pick another name or delete it first" });
      throw e;
    });
    try {
      const { top, commonDir } = await this.git.repoInfo(spec.repo);
      const commit = await this.git.resolveCommitFast(top, spec.base ?? "HEAD");
      const key = baseKey(commonDir, commit);
      let baseDir: string | null = null;
      if (this.mode === "overlay") {
        progress?.({ phase: "base", message: "preparing the shared base clone" });
        baseDir = await ensureBase(this.git, locks, this.ctx.stateDir, top, key, commit);
        await Promise.all([fs.mkdir(d.upper), fs.mkdir(d.work), fs.mkdir(d.merged)]);
        progress?.({ phase: "overlay", message: "mounting the overlay" });
        await mountOverlay(this.run, baseDir, d);
        await writeBranch(d.merged, branch, commit);
      } else {
        progress?.({ phase: "clone", message: "cloning" });
        await this.git.out(d.root, ["clone", "-q", "--shared", "--no-checkout", top, d.merged]);
        await this.git.out(d.merged, ["checkout", "-q", "-b", branch, commit]);
      }
      const data: SandboxData = {
        mode: this.mode,
        repo: top,
        commonDir,
        branch,
        base: commit,
        baseKey: key,
        baseDir,
        root: d.root,
        merged: d.merged,
        net,
        proxyAllow: spec.proxyAllow ?? [],
        memoryMiB: spec.memoryMiB,
        cpus: spec.cpus,
        stopped: false,
      };
      // cgroups and the proxy are set up by the first command, keeping create to one mount
      return { name: spec.name, provider: "sandbox", hostPath: d.merged, data };
    } catch (err) {
      await this.closeProxy(spec.name);
      await unmount(this.run, d.merged).catch(() => undefined);
      await fs.rm(d.root, { recursive: true, force: true });
      throw err;
    }
  }

  /** Mount, cgroup and proxy: everything a command inside needs; idempotent. */
  private async prepareRun(h: EnvHandle): Promise<string[]> {
    const d = this.data(h);
    if (!(await exists(d.root))) {
      throw new SwarmError("NOT_FOUND", `environment ${h.name} does not exist (no ${d.root})`, { hint: "swarmctl env list shows what exists" });
    }
    if (d.mode === "overlay" && !(await isMounted(d.merged))) {
      await mountOverlay(this.run, d.baseDir!, { root: d.root, upper: path.join(d.root, "upper"), work: path.join(d.root, "work"), merged: d.merged });
    }
    if (d.net === "proxy" && !this.proxies.has(h.name)) {
      const proxy = new AllowListProxy(path.join(d.root, "proxy.sock"), d.proxyAllow, this.ctx.logger);
      this.proxies.set(h.name, proxy);
      await proxy.start();
    }
    if (!this.cgroups) return [];
    let files = this.cgroupFiles.get(h.name);
    if (!files) {
      files = await this.cgroups.create(h.name, { memoryMiB: d.memoryMiB, pidsMax: this.opts.pidsMax ?? 4096, cpus: d.cpus ?? 0 });
      this.cgroupFiles.set(h.name, files);
    }
    return files;
  }

  private async closeProxy(name: string): Promise<void> {
    const p = this.proxies.get(name);
    this.proxies.delete(name);
    await p?.close();
  }

  /** The allow-list proxy of an environment, when it runs (tests read its denials). */
  proxyOf(name: string): AllowListProxy | undefined {
    return this.proxies.get(name);
  }

  private async command(
    h: EnvHandle,
    argv: string[],
    o: Omit<PtyOptions, "cwd"> & { cwd?: string | undefined; newSession: boolean; pty?: boolean },
  ): Promise<HostCommand> {
    assertArgv(argv);
    const d = this.data(h);
    if (d.stopped) throw new SwarmError("INVALID_TRANSITION", `environment ${h.name} is stopped`, { hint: `start it: swarmctl env start ${h.name}` });
    const procsFiles = await this.prepareRun(h);
    const cwd = await resolveInside(d.merged, o.cwd ?? ".", "working directory");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: "/tmp",
      TERM: process.env.TERM ?? "xterm-256color",
      LANG: process.env.LANG ?? "C.UTF-8",
      SWARM_ENV: h.name,
      ...this.ctx.forwardedEnv(h),
      ...o.env,
    };
    // only existing folders can be covered (bwrap cannot make a mount point on the read-only host)
    const hide = [...new Set(this.hidePaths)].filter((p) => fssync.statSync(p, { throwIfNoEntry: false })?.isDirectory());
    const bw = bwrapArgs({
      workDir: d.merged,
      cwd,
      net: d.net,
      hide,
      roBinds: [path.join(d.commonDir, "objects")],
      // a path that is not there cannot be bound (bwrap would refuse to start)
      shares: (o.share ?? []).filter((s) => fssync.existsSync(s.path)),
      proxySocket: path.join(d.root, "proxy.sock"),
      swarmRoot: repoRoot(),
      newSession: o.newSession,
      env,
      ...(o.privateEnv && Object.keys(o.privateEnv).length ? { varsFd: VARS_FD } : {}),
    });
    const inner = innerArgv(d.net, argv, o.pty === true);
    // the runtime's own variables travel in a file that is gone once bwrap runs (private-vars.ts)
    const vars = o.privateEnv && Object.keys(o.privateEnv).length ? writeVarsFile(d.root, o.privateEnv) : null;
    const host = vars ? openVarsThenExec(vars, ["bwrap", ...bw, "--", ...sourceVarsThenExec(inner)]) : ["bwrap", ...bw, "--", ...inner];
    const hostEnv = { PATH: env.PATH!, TERM: env.TERM! };
    if (procsFiles.length === 0) return { file: host[0]!, args: host.slice(1), cwd: d.merged, env: hostEnv };
    // join the environment's cgroups before bwrap starts, so every process inside is limited
    return { ...joinAndExec(procsFiles, host, "swarm-sandbox"), cwd: d.merged, env: hostEnv };
  }

  async exec(h: EnvHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const c = await this.command(h, argv, { cwd: opts.cwd, env: opts.env, newSession: true });
    return this.run(c.file, c.args, { cwd: c.cwd, env: c.env, input: opts.input, timeoutMs: opts.timeoutMs });
  }

  async ptyCommand(h: EnvHandle, argv: string[], opts: PtyOptions = {}): Promise<HostCommand> {
    return this.command(h, argv, { ...opts, newSession: false, pty: true });
  }

  private async pids(h: EnvHandle): Promise<number[]> {
    if (this.cgroups) return this.cgroups.procs(h.name);
    return processesIn(this.data(h).merged);
  }

  async status(h: EnvHandle): Promise<EnvStatus> {
    const d = this.data(h);
    if (!(await exists(d.root))) return { state: "deleted", detail: `no ${d.root}` };
    const processes = (await this.pids(h)).length;
    const limits = this.cgroups ? `limits enforced (cgroup ${this.cgroups.kind})` : "limits not enforced";
    return {
      state: d.stopped ? "stopped" : "running",
      processes,
      detail: `${d.mode} on ${d.branch}, net ${d.net}, ${limits}`,
      resources: { cpus: d.cpus ?? 0, memoryMiB: d.memoryMiB },
    };
  }

  private async stopProcesses(h: EnvHandle): Promise<void> {
    await terminate(await this.pids(h), 1000);
    await this.closeProxy(h.name);
  }

  async start(h: EnvHandle): Promise<EnvHandle> {
    const next = { ...h, data: { ...h.data, stopped: false } };
    await this.prepareRun(next);
    return next;
  }

  async stop(h: EnvHandle): Promise<EnvHandle> {
    const d = this.data(h);
    if (!(await exists(d.root))) throw new SwarmError("NOT_FOUND", `environment ${h.name} does not exist`);
    await this.stopProcesses(h);
    if (d.mode === "overlay") await unmount(this.run, d.merged);
    return { ...h, data: { ...h.data, stopped: true } };
  }

  /** What would be lost, checked by git running inside the sandbox (never host git on files the sandbox wrote). */
  private async losses(h: EnvHandle): Promise<string[]> {
    const reasons: string[] = [];
    const pids = await this.pids(h);
    if (pids.length > 0) reasons.push(`${pids.length} live process(es)`);
    const inside = { ...h, data: { ...h.data, stopped: false } };
    const st = await this.exec(inside, ["git", "status", "--porcelain", "--untracked-files=all"]);
    if (st.exitCode !== 0) return [...reasons, `a checkout git cannot read (git status: ${st.stderr.toString().trim()})`];
    const dirty = st.stdout.toString().split("\n").filter(Boolean);
    if (dirty.length > 0)
      reasons.push(
        `uncommitted changes in ${dirty.length} file(s): ${dirty
          .slice(0, 5)
          .map((l) => l.slice(3))
          .join(", ")}`,
      );
    const un = await this.exec(inside, ["git", "rev-list", "--count", "HEAD", "--not", this.data(h).base, "--remotes"]);
    const n = Number(un.stdout.toString().trim());
    if (un.exitCode !== 0) reasons.push(`commits that could not be checked (git rev-list: ${un.stderr.toString().trim()})`);
    else if (n > 0) reasons.push(`${n} commit(s) on ${this.data(h).branch} that exist only in this sandbox`);
    return reasons;
  }

  async delete(h: EnvHandle, opts: { force: boolean }): Promise<void> {
    const d = this.data(h);
    if (!(await exists(d.root))) throw new SwarmError("NOT_FOUND", `environment ${h.name} does not exist`);
    if (!opts.force) {
      const reasons = await this.losses(h);
      if (reasons.length > 0) {
        throw new SwarmError("CONFLICT", `environment ${h.name} has ${reasons.join("; ")}`, {
          hint: "commit and fetch the work out, or delete with --force (sandbox deletes are final)",
          details: { reasons },
        });
      }
    }
    await this.stopProcesses(h);
    if (d.mode === "overlay") await unmount(this.run, d.merged);
    this.cgroupFiles.delete(h.name);
    await this.cgroups?.remove(h.name);
    await fs.rm(d.root, { recursive: true, force: true });
    await fs.rm(this.checkpoints.dir(h.name), { recursive: true, force: true });
  }

  async copyIn(h: EnvHandle, hostPath: string, envPath: string): Promise<void> {
    await this.prepareRun(h);
    await copyIntoDir(this.data(h).merged, hostPath, envPath);
  }

  async copyOut(h: EnvHandle, envPath: string, hostPath: string): Promise<void> {
    await this.prepareRun(h);
    await copyOutOfDir(this.data(h).merged, envPath, hostPath);
  }

  /**
   * Everything a create of this name makes lives under envs/<name> (the overlay dirs or the
   * clone, the proxy socket) plus the name's cgroups; the shared base clone is not the
   * name's (a half-made base has no .ready marker and the next create rebuilds it).
   */
  async reclaim(spec: EnvSpec): Promise<void> {
    assertName(spec.name);
    const d = envDirs(this.ctx.stateDir, spec.name);
    await this.closeProxy(spec.name);
    if (this.cgroups) await terminate(await this.cgroups.procs(spec.name), 1000);
    // e.g. a `git clone` (clone mode) the dead daemon started, still writing into the folder
    if (await exists(d.root)) await terminate(await processesIn(d.root), 1000);
    // whatever the mode now, a daemon of another mode may have made it: unmount if mounted
    await unmount(this.run, d.merged);
    this.cgroupFiles.delete(spec.name);
    await this.cgroups?.remove(spec.name);
    await fs.rm(d.root, { recursive: true, force: true });
  }

  /** The layer a checkpoint saves: the overlay's upper dir, or the whole clone. */
  private layer(d: SandboxData): string {
    return d.mode === "overlay" ? path.join(d.root, "upper") : d.merged;
  }

  async checkpoint(h: EnvHandle, name: string): Promise<CheckpointInfo> {
    const d = this.data(h);
    if (!(await exists(d.root))) throw new SwarmError("NOT_FOUND", `environment ${h.name} does not exist`);
    return this.checkpoints.create(h.name, this.layer(d), `${d.mode}:${d.baseKey}`, name);
  }

  async restore(h: EnvHandle, name: string): Promise<EnvHandle> {
    const d = this.data(h);
    const info = await this.checkpoints.get(h.name, name, `${d.mode}:${d.baseKey}`);
    await this.stopProcesses(h);
    if (d.mode === "overlay") await unmount(this.run, d.merged);
    await this.checkpoints.restoreInto(h.name, info.name, this.layer(d));
    if (d.mode === "overlay") {
      await fs.rm(path.join(d.root, "work"), { recursive: true, force: true });
      await fs.mkdir(path.join(d.root, "work"));
    }
    if (!d.stopped) await this.prepareRun(h);
    return h;
  }

  async listCheckpoints(h: EnvHandle): Promise<CheckpointInfo[]> {
    return this.checkpoints.list(h.name);
  }

  /** Stops the proxies this process runs (daemon shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.proxies.keys()].map((n) => this.closeProxy(n)));
  }
}
