import { parseDurationMs } from "../../protocol/methods/env.js";
import type { DaemonContext } from "../context.js";
import { handleOf } from "./registry.js";
import type { EnvService } from "./service.js";

const OFF_RECHECK_MS = 5000;

/**
 * Idle auto-stop (R-E9): a running environment with no exec/PTY activity for
 * env.idle_stop_after, and no live process inside (when the provider can tell), is
 * stopped with an `env.idle_stopped` event. Reads the config on every tick, so a hot
 * reload takes effect without a restart.
 */
export function startIdleReaper(ctx: DaemonContext, svc: EnvService): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const limitMs = () => {
    const v = ctx.cfg().env.idle_stop_after;
    return v === "off" ? null : parseDurationMs(v);
  };
  async function tick(): Promise<void> {
    const limit = limitMs();
    if (limit !== null) {
      const now = Date.now();
      for (const env of svc.registry.list()) {
        if (stopped) return;
        if (env.state !== "running" || svc.isBusy(env.name)) continue;
        const idleMs = now - Date.parse(env.last_activity_at);
        if (idleMs < limit) continue;
        const p = svc.providers.get(env.provider);
        const st = p ? await p.status(handleOf(env)).catch(() => null) : null;
        if (st?.processes && st.processes > 0) {
          svc.touch(env.name); // a live process is activity
          continue;
        }
        try {
          await svc.stop(env.name, "idle");
          ctx.events.append("env.idle_stopped", env.name, { idle_ms: idleMs, limit_ms: limit });
          ctx.logger.info("environment stopped after idling", { env: env.name, idle_ms: idleMs });
        } catch (err) {
          ctx.logger.warn("idle stop failed", { env: env.name, error: (err as Error).message });
        }
      }
    }
    schedule();
  }
  function schedule(): void {
    if (stopped) return;
    const limit = limitMs();
    const every = limit === null ? OFF_RECHECK_MS : Math.min(30_000, Math.max(100, Math.floor(limit / 5)));
    timer = setTimeout(
      () =>
        void tick().catch((err) => {
          ctx.logger.error("idle reaper failed", { error: String(err) });
          schedule();
        }),
      every,
    );
    timer.unref();
  }
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
