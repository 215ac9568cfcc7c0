import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import type { RuntimeBridge, RuntimeEnvAccess, SecretValues } from "./env-access.js";
import { runtimeHandlers } from "./handlers.js";
import { RuntimeManager } from "./manager.js";

export type { RuntimeEnvAccess };

/**
 * The runtimes domain: agents in PTYs held outside the daemon (R-R1…R-R6). It gets what
 * it needs from other domains explicitly (`envs`: running a program inside an
 * environment) and hands out its manager for the coordinator, which runs agents through it.
 */
export function runtimeDomain(
  ctx: DaemonContext,
  deps: { envs: RuntimeEnvAccess; bridge?: RuntimeBridge; secrets?: SecretValues },
): Domain & { manager: RuntimeManager } {
  const mgr = new RuntimeManager(ctx, deps.envs, deps.bridge ?? (() => null), deps.secrets ?? (() => []));
  const timers: NodeJS.Timeout[] = [];
  return {
    name: "runtime",
    manager: mgr,
    handlers: runtimeHandlers(mgr),
    async start() {
      const n = await mgr.adoptAll();
      if (n.adopted + n.exited + n.lost > 0) ctx.logger.info("runtimes re-adopted", n);
      const cfg = mgr.cfg();
      timers.push(setInterval(() => mgr.evaluateAll(), cfg.state_poll_ms));
      timers.push(setInterval(() => mgr.heartbeat(), cfg.heartbeat_ms));
      timers.push(setInterval(() => mgr.expire(), Math.min(60_000, Math.max(250, cfg.stale_after_ms / 4))));
      mgr.expire();
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers) clearInterval(t);
      mgr.shutdown();
    },
  };
}
