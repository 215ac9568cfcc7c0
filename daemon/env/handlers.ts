import * as m from "../../protocol/methods/env.js";
import * as pm from "../../protocol/methods/provider.js";
import type { CheckpointInfo } from "../../providers/types.js";
import type { DaemonContext } from "../context.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";
import { runBulk } from "./bulk.js";
import { DiskUsage } from "./disk.js";
import { usage, hostTotals } from "./resources.js";
import type { EnvService } from "./service.js";
import { listTrash, purgeTrash, trashKeepForMs } from "./trash.js";

/** Purges trash entries older than env.trash_keep_for; a failure is logged, never fails the caller. */
async function expireTrash(ctx: DaemonContext, svc: EnvService): Promise<void> {
  const keep = trashKeepForMs(ctx.cfg().env.trash_keep_for);
  if (keep === null) return;
  try {
    const gone = await purgeTrash(svc.providers, keep);
    if (gone.length > 0) ctx.logger.info("expired deleted environments purged from the trash", { ids: gone.map((e) => e.id) });
  } catch (err) {
    ctx.logger.warn("purging expired trash failed", { error: String(err) });
  }
}

/**
 * `env shell` without a command: the environment's own login shell, chosen inside it (a VM
 * guest has busybox only, so the daemon's $SHELL may not exist there): $SHELL when it is
 * there, else bash, else sh.
 */
const LOGIN_SHELL = ["/bin/sh", "-c", 'for s in "${SHELL:-}" /bin/bash; do if [ -n "$s" ] && [ -x "$s" ]; then exec "$s" -l; fi; done; exec /bin/sh -l'];

const ckpt = (c: CheckpointInfo) => ({
  name: c.name,
  created_at: c.createdAt,
  provider: c.provider,
  base: c.base,
  ...(c.bytes !== undefined ? { bytes: c.bytes } : {}),
});

/** RPC edge of the env domain: params arrive validated; everything else is in EnvService. */
export function envHandlers(ctx: DaemonContext, svc: EnvService): HandlerEntry[] {
  // Daemon start: the handlers are built once, so this is where expired trash goes.
  void expireTrash(ctx, svc);
  const disk = new DiskUsage();
  return [
    handle(m.envCreate, (p) => svc.create(p)),
    handle(m.envList, (p) => ({ envs: svc.registry.list(p.project) })),
    handle(m.envShow, async (p) => {
      const env = svc.registry.require(p.name);
      const prov = svc.providers.get(env.provider);
      let status: { state: string; processes?: number; detail?: string } | null = null;
      if (prov && env.state !== "creating" && env.state !== "lost") {
        const st = await prov.status(env.handle as never).catch(() => null);
        if (st) status = { state: st.state, ...(st.processes !== undefined ? { processes: st.processes } : {}), ...(st.detail ? { detail: st.detail } : {}) };
      }
      return { env, status };
    }),
    handle(m.envStart, (p) => svc.start(p.name)),
    handle(m.envStop, (p) => svc.stop(p.name)),
    handle(m.envDelete, async (p) => {
      await svc.delete(p.name, p.force);
      await expireTrash(ctx, svc);
      return { name: p.name, deleted: true as const };
    }),
    handle(m.envRestoreDeleted, (p) => svc.restoreDeleted(p.name)),
    handle(m.envTrashList, async () => ({ entries: await listTrash(svc.providers) })),
    handle(m.envTrashPurge, async (p) => ({ purged: await purgeTrash(svc.providers, p.older_than_ms, p.ids) })),
    handle(m.envExec, async (p) => {
      const r = await svc.exec(p.name, p.argv, {
        ...(p.cwd !== undefined ? { cwd: p.cwd } : {}),
        ...(p.input_b64 !== undefined ? { input: Buffer.from(p.input_b64, "base64") } : {}),
        ...(p.timeout_ms !== undefined ? { timeoutMs: p.timeout_ms } : {}),
      });
      return { exit_code: r.exitCode, signal: r.signal, stdout_b64: r.stdout.toString("base64"), stderr_b64: r.stderr.toString("base64") };
    }),
    handle(m.envPtyCommand, (p) => svc.ptyCommand(p.name, p.argv && p.argv.length ? p.argv : LOGIN_SHELL, p.cwd)),
    handle(m.envTouch, (p) => ({ last_activity_at: svc.touch(svc.registry.require(p.name).name).last_activity_at })),
    handle(m.envCopy, async (p) => {
      await svc.copy(p.name, p.direction, p.host_path, p.env_path);
      return { ok: true as const };
    }),
    handle(m.envCheckpoint, async (p) => ckpt(await svc.checkpoint(p.name, p.checkpoint))),
    handle(m.envRestore, (p) => svc.restore(p.name, p.checkpoint)),
    handle(m.envCheckpoints, async (p) => ({ checkpoints: (await svc.checkpoints(p.name)).map(ckpt) })),
    handle(m.envBulkCreate, async (p) => {
      const { names, ...rest } = p;
      const results = await runBulk(names, ctx.cfg().env.bulk_concurrency, async (name) => {
        const env = await svc.create({ ...rest, name });
        return `created (${env.provider}, branch ${env.branch})`;
      });
      return { results };
    }),
    handle(m.envBulkDelete, async (p) => {
      const names = p.names && p.names.length ? p.names : svc.registry.list(p.project).map((e) => e.name);
      const results = await runBulk(names, ctx.cfg().env.bulk_concurrency, async (name) => {
        await svc.delete(name, p.force);
        return "deleted";
      });
      return { results };
    }),
    handle(m.envDisk, async (p) => {
      const env = svc.registry.require(p.name);
      return { name: env.name, path: env.host_path, ...(await disk.of(env.name, env.host_path)) };
    }),
    handle(m.envResources, () => {
      const host = hostTotals();
      const used = usage(svc.registry.list());
      const cfg = ctx.cfg();
      return {
        host_cpus: host.cpus,
        host_memory_mib: host.memoryMiB,
        cpu_ratio: cfg.env.cpu_overcommit,
        memory_ratio: cfg.env.memory_overcommit,
        used_cpus: used.cpus,
        used_memory_mib: used.memoryMiB,
      };
    }),
    handle(pm.providerList, async () => ({ default_provider: ctx.cfg().env.default_provider, providers: await svc.providers.describe() })),
  ];
}
