/**
 * The `vm` provider: one QEMU microVM per environment, booted from a copy-on-write qcow2
 * layer over the base image, restored from a saved template whenever possible.
 * Layout under stateDir: templates/<shape>/{disk.qcow2,state}, envs/<name>/{vm.json,
 * layers/*.qcow2, checkpoints/<name>/…}. The project checkout is copied into /work at create.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";
import { assertName } from "../common/ids.js";
import { resolvePaths } from "../../protocol/paths.js";
import type {
  BaseImageBuild,
  BaseImages,
  BaseImageStatus,
  CheckpointInfo,
  Checkpointing,
  DetectResult,
  EnvHandle,
  EnvSpec,
  EnvStatus,
  ExecOptions,
  ExecResult,
  HostCommand,
  PtyOptions,
  NetMode,
  Provider,
  ProviderContext,
  ProviderInfo,
  ProgressFn,
} from "../types.js";
import { execInGuest } from "./agent-client.js";
import { readManifest, requireBase } from "./base-image.js";
import { buildBaseInWorker } from "./base-worker-client.js";
import { checkpointVm, listVmCheckpoints, restoreVm } from "./checkpoints.js";
import { changedFiles, copyCheckoutIn, copyInGuest, copyOutGuest, recordCheckoutSums } from "./guest-fs.js";
import { detectVm } from "./detect.js";
import { guestPath } from "./guest-paths.js";
import { reclaimVm } from "./reclaim.js";
import { ensureProxy, proxyEnv, waitProxy } from "./net.js";
import { helperScript, vmDirs } from "./layout.js";
import { createOverlay, ensureMux, kill, shutdown, vmRunning, type Accel, type VmShape } from "./qemu.js";
import { ensureTemplate } from "./template.js";
import { bootFromState, coldBoot, layerName, saveData, vmData, type VmData } from "./boot.js";

/** Measured: 128 MiB boots the cloud kernel and busybox guest; 64 MiB dies before /init. */
export const VM_MIN_MEMORY_MIB = 128;

export interface VmProviderOptions {
  /** where `swarmctl vm init-base` put the base (default: $SWARM_HOME data dir/vm/base) */
  baseDir?: string;
  /** skip the probe and use this accelerator */
  accel?: Accel;
  /** boot from a saved template when possible (default true) */
  useTemplates?: boolean;
}

export function defaultBaseDir(): string {
  return process.env.SWARM_VM_BASE_DIR || path.join(resolvePaths().dataDir, "vm", "base");
}

async function requireRunning(h: EnvHandle): Promise<VmData> {
  const data = vmData(h);
  const d = vmDirs(data.dir);
  if (!vmRunning(d)) {
    throw new SwarmError("INVALID_TRANSITION", `environment ${h.name} is stopped (its VM is not running)`, {
      hint: `start it with \`swarmctl env start ${h.name}\``,
    });
  }
  await ensureMux(d);
  if (data.net === "proxy" && ensureProxy(d, data.proxyAllow ?? []) && !(await waitProxy(d, Date.now() + 10_000))) {
    throw new SwarmError("UNAVAILABLE", `the allow-list proxy of ${h.name} did not start`, { hint: `see ${d.dir}/proxy.log` });
  }
  return data;
}

const NET_MODES: readonly NetMode[] = ["none", "proxy", "full"];

export class VmProvider implements Provider, Checkpointing, BaseImages {
  readonly baseDir: string;
  private accel: Accel | undefined;

  constructor(
    private readonly ctx: ProviderContext,
    private readonly opts: VmProviderOptions = {},
  ) {
    this.baseDir = opts.baseDir ?? defaultBaseDir();
    this.accel = opts.accel;
  }

  info(): ProviderInfo {
    return {
      name: "vm",
      summary: "QEMU microVM per environment (KVM when it really works, else TCG), copy-on-write qcow2 disks",
      features: {
        checkpoint: true,
        copyOnWrite: true,
        network: [...NET_MODES],
        enforcesResources: true,
        processesOutliveDaemon: true,
        restoreDeleted: false,
        baseImage: true,
        close: false,
      },
    };
  }

  async detect(): Promise<DetectResult> {
    const r = await detectVm(this.baseDir, this.opts.accel);
    if (r.accel) this.accel = r.accel;
    for (const w of r.warnings ?? []) this.ctx.logger.warn(w);
    const { accel: _accel, ...rest } = r;
    return rest;
  }

  defaultBaseDir(): string {
    return this.baseDir;
  }

  buildBase(dir: string, opts: { force: boolean; progress?: ProgressFn }): Promise<BaseImageBuild> {
    return buildBaseInWorker(dir, opts);
  }

  async baseStatus(dir: string): Promise<BaseImageStatus> {
    const base = readManifest(dir);
    const { accel, ...detect } = await detectVm(dir);
    return { base, detect, accelerator: accel ?? null };
  }

  private async accelerator(): Promise<Accel> {
    if (this.accel) return this.accel;
    const r = await detectVm(this.baseDir, this.opts.accel);
    if (!r.available || !r.accel) {
      throw new SwarmError("UNAVAILABLE", `the vm provider is not available: ${r.reason}`, { hint: r.installHint ?? "" });
    }
    this.accel = r.accel;
    return r.accel;
  }

  private envDir(name: string): string {
    return path.join(this.ctx.stateDir, "envs", name);
  }

  async create(spec: EnvSpec, progress?: ProgressFn): Promise<EnvHandle> {
    assertName(spec.name);
    if (!NET_MODES.includes(spec.net)) {
      throw new SwarmError("INVALID_ARGUMENT", `unknown network mode "${String(spec.net)}"`, { hint: "use --net none, proxy or full" });
    }
    // below this the Debian kernel plus the initramfs do not fit and the guest dies before /init
    if (spec.memoryMiB < VM_MIN_MEMORY_MIB) {
      throw new SwarmError("INVALID_ARGUMENT", `a VM needs at least ${VM_MIN_MEMORY_MIB} MiB of RAM, got ${spec.memoryMiB} MiB`, {
        hint: `pass --memory ${VM_MIN_MEMORY_MIB}M or more`,
      });
    }
    if (!Number.isInteger(spec.cpus) || spec.cpus < 1) {
      throw new SwarmError("INVALID_ARGUMENT", `a VM takes a whole number of vCPUs, got ${spec.cpus}`, { hint: "pass --cpus 1, 2, …" });
    }
    const dir = this.envDir(spec.name);
    if (fs.existsSync(dir)) {
      throw new SwarmError("CONFLICT", `a vm environment named ${spec.name} already exists (${dir})`, { hint: "pick another name or delete it first" });
    }
    const { layout, manifest } = requireBase(this.baseDir);
    if (spec.net !== "none" && !fs.existsSync(layout.hostBridge)) {
      throw new SwarmError("UNAVAILABLE", `the VM base ${manifest.id} predates VM networking (no NIC driver in its guest)`, {
        hint: "rebuild it with `swarmctl vm init-base`",
      });
    }
    const accel = await this.accelerator();
    const shape: VmShape = { cpus: spec.cpus, memoryMiB: spec.memoryMiB, accel, net: spec.net };
    fs.mkdirSync(path.join(dir, "layers"), { recursive: true });
    const data: VmData = {
      dir,
      disk: "",
      cpus: spec.cpus,
      memoryMiB: spec.memoryMiB,
      accel,
      baseId: manifest.id,
      image: layout.dir,
      bootedFrom: "cold",
      net: spec.net,
      ...(spec.net === "proxy" ? { proxyAllow: spec.proxyAllow ?? [] } : {}),
    };
    try {
      let template = null;
      if (this.opts.useTemplates !== false) {
        progress?.({ phase: "template", message: "preparing the saved VM template (first use of this size boots once)" });
        template = await ensureTemplate(this.ctx.stateDir, layout, manifest, shape).catch((e: unknown) => {
          this.ctx.logger.warn("vm template unavailable, cold booting", { error: String(e) });
          return null;
        });
      }
      data.disk = path.join(dir, "layers", layerName());
      if (template) {
        await createOverlay(data.disk, template.disk, "qcow2");
        progress?.({ phase: "boot", message: "restoring the template VM" });
        data.bootedFrom = "template";
        await bootFromState(data, template.state);
      } else {
        await createOverlay(data.disk, layout.rootImg, "raw");
        progress?.({ phase: "boot", message: `cold boot (${accel})` });
        await coldBoot(data);
      }
      saveData(data);
      const h: EnvHandle = { name: spec.name, provider: "vm", hostPath: null, data };
      progress?.({ phase: "checkout", message: `copying ${spec.repo} (${spec.branch}) into /work` });
      await copyCheckoutIn(vmDirs(dir).muxSock, { ...spec, branch: spec.branch || `swarm/${spec.name}` });
      await recordCheckoutSums(vmDirs(dir).muxSock);
      return h;
    } catch (e) {
      await kill(vmDirs(dir));
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async start(h: EnvHandle, progress?: ProgressFn): Promise<EnvHandle> {
    const data = vmData(h);
    if (vmRunning(vmDirs(data.dir))) return h;
    progress?.({ phase: "boot", message: `cold boot (${data.accel})` });
    await coldBoot(data);
    return h;
  }

  async stop(h: EnvHandle): Promise<EnvHandle> {
    const data = vmData(h);
    const d = vmDirs(data.dir);
    if (!vmRunning(d)) return h;
    // Flush the guest's page cache to its disk layer, then let QEMU flush its own caches.
    await execInGuest(d.muxSock, { cwd: "/", argv: ["sync"], env: {} }, { timeoutMs: 30_000 }).catch(() => undefined);
    await shutdown(d);
    return h;
  }

  async delete(h: EnvHandle, opts: { force: boolean }): Promise<void> {
    const data = vmData(h);
    const d = vmDirs(data.dir);
    if (!fs.existsSync(data.dir)) return;
    if (!opts.force) {
      // A stopped VM's disk can only be inspected from inside: boot it to look.
      const wasStopped = !vmRunning(d);
      if (wasStopped) await this.start(h);
      const changed = await changedFiles(d.muxSock);
      if (changed.length > 0) {
        if (wasStopped) await this.stop(h);
        throw new SwarmError("CONFLICT", `environment ${h.name} has uncommitted changes in ${changed.length} file(s): ${changed.slice(0, 5).join(", ")}`, {
          hint: `copy them out (\`swarmctl env cp\`) or delete with --force`,
        });
      }
    }
    await kill(d);
    fs.rmSync(data.dir, { recursive: true, force: true });
  }

  async status(h: EnvHandle): Promise<EnvStatus> {
    const data = vmData(h);
    if (!fs.existsSync(data.dir)) return { state: "deleted" };
    const running = vmRunning(vmDirs(data.dir));
    return {
      state: running ? "running" : "stopped",
      detail: `${data.accel}, net ${data.net ?? "none"}, booted from ${data.bootedFrom}, base ${data.baseId}`,
      resources: { cpus: data.cpus, memoryMiB: data.memoryMiB },
    };
  }

  private guestEnv(h: EnvHandle, extra?: Record<string, string>): Record<string, string> {
    return {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: "/root",
      ...proxyEnv(vmData(h).net ?? "none"),
      ...this.ctx.forwardedEnv(h),
      ...(extra ?? {}),
    };
  }

  async exec(h: EnvHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new SwarmError("INVALID_ARGUMENT", "no command given", { hint: "pass the command and its arguments" });
    const data = await requireRunning(h);
    return execInGuest(
      vmDirs(data.dir).muxSock,
      { cwd: guestPath(opts.cwd, "cwd"), argv, env: this.guestEnv(h, opts.env) },
      { ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) },
    );
  }

  async ptyCommand(h: EnvHandle, argv: string[], opts: PtyOptions = {}): Promise<HostCommand> {
    if (argv.length === 0) throw new SwarmError("INVALID_ARGUMENT", "no command given", { hint: "pass the command and its arguments" });
    const data = await requireRunning(h);
    // Guest variables travel in the client's environment, not its argv, so `ps` cannot show secrets.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.guestEnv(h, { ...opts.env, ...opts.privateEnv }))) env[`SWARMVM_ENV_${k}`] = v;
    return {
      file: process.execPath,
      args: [helperScript("pty-client.js"), "--sock", vmDirs(data.dir).muxSock, "--cwd", guestPath(opts.cwd, "cwd"), "--", ...argv],
      cwd: os.tmpdir(),
      env,
    };
  }

  async copyIn(h: EnvHandle, hostPath: string, envPath: string): Promise<void> {
    const data = await requireRunning(h);
    await copyInGuest(vmDirs(data.dir).muxSock, hostPath, guestPath(envPath, "destination"));
  }

  async copyOut(h: EnvHandle, envPath: string, hostPath: string): Promise<void> {
    const data = await requireRunning(h);
    await copyOutGuest(vmDirs(data.dir).muxSock, guestPath(envPath, "source"), hostPath);
  }

  async reclaim(spec: EnvSpec): Promise<void> {
    // A bad name never made anything (create refuses it first) and must not become a path.
    if (checkName(spec.name)) return;
    await reclaimVm(vmDirs(this.envDir(spec.name)));
  }

  checkpoint(h: EnvHandle, name: string): Promise<CheckpointInfo> {
    return checkpointVm(h, name);
  }

  restore(h: EnvHandle, name: string): Promise<EnvHandle> {
    return restoreVm(h, name);
  }

  listCheckpoints(h: EnvHandle): Promise<CheckpointInfo[]> {
    return listVmCheckpoints(h);
  }
}

export function createVmProvider(ctx: ProviderContext, opts: VmProviderOptions = {}): VmProvider {
  return new VmProvider(ctx, opts);
}
