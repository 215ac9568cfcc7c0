import fs from "node:fs";
import path from "node:path";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { KeyedLock } from "../../protocol/keyed-lock.js";
import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";
import type { CheckpointInfo, EnvHandle, EnvSpec, ExecResult, HostCommand, NetMode, Provider, PtyOptions } from "../../providers/types.js";
import { canCheckpoint, canRestoreDeleted } from "../../providers/types.js";
import { resolveInside } from "../../providers/index.js";
import type { DaemonContext } from "../context.js";
import { progressReporter } from "./progress.js";
import type { ProviderSet } from "./provider-set.js";
import { handleOf, isInterruptedCreate, type EnvRegistry } from "./registry.js";
import { assertFits, defaultReservation, hostTotals } from "./resources.js";

const NET_ORDER: NetMode[] = ["none", "proxy", "full"];

export interface CreateRequest {
  name: string;
  project?: string | undefined;
  provider?: string | undefined;
  repo: string;
  branch?: string | undefined;
  base?: string | undefined;
  cpus?: number | undefined;
  memory_mib?: number | undefined;
  net?: NetMode | undefined;
  proxy_allow?: string[] | undefined;
}

/**
 * The spec a create hands its provider, built from the registry row alone so that a daemon
 * restarted after dying mid-create can hand reclaim the same one. `base` is not stored:
 * it picks the commit, not where anything is made, so reclaim does not need it.
 */
export function specOf(env: EnvRecord, base?: string): EnvSpec {
  const net = env.capabilities.net;
  return {
    name: env.name,
    project: env.project,
    repo: env.repo,
    branch: env.branch,
    ...(base ? { base } : {}),
    // Unreserved (0) means "may use the host's": providers that enforce limits get the host's size, not 0.
    cpus: env.cpus > 0 ? env.cpus : hostTotals().cpus,
    memoryMiB: env.memory_mib > 0 ? env.memory_mib : hostTotals().memoryMiB,
    net,
    ...(net === "proxy" ? { proxyAllow: env.capabilities.proxy_allow } : {}),
  };
}

function asSwarmError(err: unknown, what: string): SwarmError {
  if (err instanceof SwarmError) return err;
  return new SwarmError("INTERNAL", `${what}: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * The environment operations: registry rows, provider calls, resource checks, events.
 * Lifecycle operations on one environment are serialised by a per-name lock.
 */
export class EnvService {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly ctx: DaemonContext,
    readonly registry: EnvRegistry,
    readonly providers: ProviderSet,
  ) {}

  private locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.with(name, fn);
  }

  isBusy(name: string): boolean {
    return this.locks.held(name);
  }

  private providerOf(env: EnvRecord): Promise<Provider> {
    return this.providers.usable(env.provider);
  }

  touch(name: string): EnvRecord {
    return this.registry.update(name, { last_activity_at: new Date().toISOString() });
  }

  async create(req: CreateRequest): Promise<EnvRecord> {
    const bad = checkName(req.name);
    if (bad) throw new SwarmError("INVALID_ARGUMENT", bad);
    const cfg = this.ctx.cfg();
    const providerName = req.provider ?? cfg.env.default_provider;
    const provider = await this.providers.usable(providerName);
    const info = provider.info();
    const net = this.pickNet(providerName, info.features.network, req.net ?? cfg.env.default_net);
    if (req.proxy_allow?.length && net !== "proxy") {
      throw new SwarmError("INVALID_ARGUMENT", `--proxy-allow only applies with --net proxy (this environment gets --net ${net})`);
    }
    if (!path.isAbsolute(req.repo) || !fs.statSync(req.repo, { throwIfNoEntry: false })?.isDirectory()) {
      throw new SwarmError("INVALID_ARGUMENT", `repo ${JSON.stringify(req.repo)} is not an existing folder (absolute path)`, {
        hint: "pass --repo with the path of a git repository, or run from inside one",
      });
    }
    const dflt = defaultReservation(cfg, providerName);
    const want = { cpus: req.cpus ?? dflt.cpus, memoryMiB: req.memory_mib ?? dflt.memoryMiB };
    const now = new Date().toISOString();
    const branch = req.branch ?? `swarm/${req.name}`;
    const record: EnvRecord = {
      name: req.name,
      project: req.project ?? path.basename(req.repo),
      provider: providerName,
      state: "creating",
      state_reason: null,
      repo: req.repo,
      branch,
      host_path: null,
      cpus: want.cpus,
      memory_mib: want.memoryMiB,
      capabilities: { net, proxy_allow: net === "proxy" ? (req.proxy_allow ?? []) : [], resources_enforced: info.features.enforcesResources },
      handle: {},
      created_at: now,
      updated_at: now,
      last_activity_at: now,
    };
    // Check and insert in one synchronous step so concurrent creates cannot both pass the check.
    assertFits(`creating ${req.name}`, want, this.registry.list(), cfg);
    this.registry.insert(record);
    return this.locked(req.name, async () => {
      const progress = progressReporter(this.ctx.events, req.name, "create");
      progress({ phase: "start", message: `creating with ${providerName}` });
      let h: EnvHandle;
      try {
        h = await provider.create(specOf(record, req.base), progress);
      } catch (err) {
        this.registry.discard(req.name);
        const e = asSwarmError(err, `creating ${req.name} failed`);
        this.ctx.events.append("env.create_failed", req.name, { provider: providerName, kind: e.kind, error: e.message });
        throw e;
      }
      progress({ phase: "done", done: 1, total: 1 });
      const env = this.registry.update(req.name, { state: "running", handle: h as unknown as Record<string, unknown>, host_path: h.hostPath });
      this.ctx.events.append("env.created", req.name, { project: env.project, provider: providerName, branch, net });
      return env;
    });
  }

  private pickNet(provider: string, supported: NetMode[], wanted: NetMode | undefined): NetMode {
    if (wanted === undefined) return NET_ORDER.find((n) => supported.includes(n)) ?? "full";
    if (!supported.includes(wanted)) {
      throw new SwarmError("INVALID_ARGUMENT", `provider ${provider} cannot enforce --net ${wanted}; it supports: ${supported.join(", ")}`, {
        hint: wanted === "full" ? "pick a supported mode" : "use --provider sandbox (or vm) for none/proxy",
      });
    }
    return wanted;
  }

  async start(name: string): Promise<EnvRecord> {
    return this.locked(name, async () => {
      const env = this.registry.require(name);
      if (env.state === "running") return env;
      if (env.state === "creating") throw new SwarmError("CONFLICT", `environment ${name} is still being created`);
      assertFits(`starting ${name}`, { cpus: env.cpus, memoryMiB: env.memory_mib }, this.registry.list(), this.ctx.cfg(), undefined, name);
      const p = await this.providerOf(env);
      const progress = progressReporter(this.ctx.events, name, "start");
      progress({ phase: "start" });
      const h = await p.start(handleOf(env), progress);
      progress({ phase: "done", done: 1, total: 1 });
      const out = this.registry.update(name, {
        state: "running",
        state_reason: null,
        handle: h as unknown as Record<string, unknown>,
        host_path: h.hostPath,
        last_activity_at: new Date().toISOString(),
      });
      this.ctx.events.append("env.started", name, {});
      return out;
    });
  }

  async stop(name: string, reason = "requested"): Promise<EnvRecord> {
    return this.locked(name, async () => {
      const env = this.registry.require(name);
      if (env.state === "stopped") return env;
      if (env.state === "creating") throw new SwarmError("CONFLICT", `environment ${name} is still being created`);
      const p = await this.providerOf(env);
      const h = await p.stop(handleOf(env));
      const out = this.registry.update(name, { state: "stopped", state_reason: null, handle: h as unknown as Record<string, unknown> });
      this.ctx.events.append("env.stopped", name, { reason });
      return out;
    });
  }

  async delete(name: string, force: boolean): Promise<void> {
    await this.locked(name, async () => {
      const env = this.registry.require(name);
      if (env.state === "creating") throw new SwarmError("CONFLICT", `environment ${name} is still being created`);
      let reclaimError: string | undefined;
      if (isInterruptedCreate(env)) {
        // Its create never returned a handle: only reclaim can find what it left.
        try {
          await this.reclaimUnlocked(env);
        } catch (err) {
          const e = asSwarmError(err, `cleaning up the interrupted create of ${name} failed`);
          if (!force) {
            throw new SwarmError(e.kind, `cannot clean up what the interrupted create of ${name} left: ${e.message}`, {
              hint: `fix that and delete again, or \`swarmctl env delete ${name} --force\` to drop only the record (the ${env.provider} provider's leftovers then stay and block the name)`,
            });
          }
          reclaimError = e.message;
          this.ctx.logger.warn("env delete --force: reclaim failed, record dropped anyway", { env: name, error: e.message });
        }
        this.registry.discard(name);
        this.ctx.events.append("env.deleted", name, {
          force,
          provider: env.provider,
          interrupted_create: true,
          ...(reclaimError ? { reclaim_error: reclaimError } : {}),
        });
        return;
      }
      // A lost environment has nothing the provider can find: only its record goes.
      if (env.state !== "lost") {
        const p = await this.providerOf(env);
        await p.delete(handleOf(env), { force });
      }
      this.registry.remove(name);
      this.ctx.events.append("env.deleted", name, { force, provider: env.provider });
    });
  }

  /**
   * After the daemon died mid-create: the provider removes whatever that create left
   * (Provider.reclaim), then the record goes so the name can be created again. Throws
   * (leaving the record) when the provider is unusable or its reclaim fails. Returns false
   * (touching nothing) when the row is no longer that interrupted create.
   */
  async reclaimInterrupted(env: EnvRecord): Promise<boolean> {
    return this.locked(env.name, async () => {
      // `env` was read before the lock: meanwhile the row may have been deleted, or replaced
      // by a new environment of the same name whose files must not be touched.
      if (!this.isSameRow(env, (cur) => isInterruptedCreate(cur))) return false;
      await this.reclaimUnlocked(env);
      this.registry.discard(env.name);
      return true;
    });
  }

  /** True while the row named like `env` is still that row (same created_at) and passes `still`. */
  isSameRow(env: EnvRecord, still: (cur: EnvRecord) => boolean = () => true): boolean {
    const cur = this.registry.get(env.name);
    return cur !== null && cur.created_at === env.created_at && still(cur);
  }

  private async reclaimUnlocked(env: EnvRecord): Promise<void> {
    const p = await this.providerOf(env);
    await p.reclaim(specOf(env));
  }

  async restoreDeleted(name: string): Promise<EnvRecord> {
    return this.locked(name, async () => {
      if (this.registry.get(name)) {
        throw new SwarmError("CONFLICT", `an environment named ${name} exists; delete it before restoring the old one`);
      }
      const last = this.registry.lastDeleted(name);
      if (!last) throw new SwarmError("NOT_FOUND", `no deleted environment named ${JSON.stringify(name)}`);
      const p = await this.providers.usable(last.env.provider);
      if (!canRestoreDeleted(p)) {
        throw new SwarmError("UNAVAILABLE", `provider ${last.env.provider} keeps no trash; ${name} cannot be restored`);
      }
      const old = last.env;
      assertFits(`restoring ${name}`, { cpus: old.cpus, memoryMiB: old.memory_mib }, this.registry.list(), this.ctx.cfg());
      const h = await p.restoreDeleted(name);
      const now = new Date().toISOString();
      const env: EnvRecord = {
        ...last.env,
        state: "running",
        state_reason: null,
        handle: h as unknown as Record<string, unknown>,
        host_path: h.hostPath,
        updated_at: now,
        last_activity_at: now,
      };
      this.registry.insert(env);
      this.registry.forgetDeleted(last.id);
      this.ctx.events.append("env.restored_deleted", name, {});
      return env;
    });
  }

  private requireRunning(name: string): EnvRecord {
    const env = this.registry.require(name);
    if (env.state !== "running") {
      const hint = env.state === "stopped" ? `start it: swarmctl env start ${name}` : `see swarmctl env show ${name}`;
      throw new SwarmError("INVALID_TRANSITION", `environment ${name} is ${env.state}, not running`, { hint });
    }
    return env;
  }

  async exec(name: string, argv: string[], opts: { cwd?: string; input?: Buffer; timeoutMs?: number }): Promise<ExecResult> {
    const env = this.requireRunning(name);
    this.touch(name);
    const p = await this.providerOf(env);
    try {
      return await p.exec(handleOf(env), argv, {
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
    } finally {
      this.touch(name);
    }
  }

  async ptyCommand(name: string, argv: string[], cwd?: string, more: Omit<PtyOptions, "cwd"> = {}): Promise<HostCommand> {
    const env = this.requireRunning(name);
    this.touch(name);
    const p = await this.providerOf(env);
    return p.ptyCommand(handleOf(env), argv, { ...(cwd !== undefined ? { cwd } : {}), ...more });
  }

  async copy(name: string, direction: "in" | "out", hostPath: string, envPath: string): Promise<void> {
    if (!path.isAbsolute(hostPath)) throw new SwarmError("INVALID_ARGUMENT", `host path ${JSON.stringify(hostPath)} must be absolute`);
    const env = this.registry.require(name);
    // Checked here for every provider; providers check again where they resolve the path.
    if (env.host_path) await resolveInside(env.host_path, envPath, direction === "in" ? "destination" : "source");
    else await resolveInside("/", envPath, "path");
    const p = await this.providerOf(env);
    const progress = progressReporter(this.ctx.events, name, "copy");
    progress({ phase: direction === "in" ? "copy-in" : "copy-out", done: 0, total: 1, message: `${hostPath} ${direction === "in" ? "->" : "<-"} ${envPath}` });
    if (direction === "in") await p.copyIn(handleOf(env), hostPath, envPath);
    else await p.copyOut(handleOf(env), envPath, hostPath);
    progress({ phase: direction === "in" ? "copy-in" : "copy-out", done: 1, total: 1 });
    this.touch(name);
  }

  private async checkpointing(env: EnvRecord) {
    const p = await this.providerOf(env);
    if (!canCheckpoint(p)) {
      throw new SwarmError("UNAVAILABLE", `provider ${env.provider} does not support checkpoints`, { hint: "see `swarmctl providers`" });
    }
    return p;
  }

  async checkpoint(name: string, ckpt: string | undefined): Promise<CheckpointInfo> {
    return this.locked(name, async () => {
      const env = this.registry.require(name);
      const p = await this.checkpointing(env);
      const c = await p.checkpoint(handleOf(env), ckpt ?? timestampName());
      this.registry.addCheckpoint(name, c);
      this.ctx.events.append("env.checkpointed", name, { checkpoint: c.name });
      return c;
    });
  }

  async restore(name: string, ckpt: string): Promise<EnvRecord> {
    return this.locked(name, async () => {
      const env = this.registry.require(name);
      const p = await this.checkpointing(env);
      const h = await p.restore(handleOf(env), ckpt);
      const out = this.registry.update(name, { handle: h as unknown as Record<string, unknown>, host_path: h.hostPath });
      this.ctx.events.append("env.restored", name, { checkpoint: ckpt });
      return out;
    });
  }

  async checkpoints(name: string): Promise<CheckpointInfo[]> {
    const env = this.registry.require(name);
    const p = await this.providers.usable(env.provider).catch(() => null);
    if (p && canCheckpoint(p)) return p.listCheckpoints(handleOf(env));
    return this.registry.checkpoints(name);
  }
}

/** A checkpoint name that sorts by time and passes the name rule, e.g. 20261121T194203.123Z. */
export function timestampName(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "");
}
