import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { runtimeHandlers } from "./handlers.js";
import type { RuntimeEnvAccess } from "./holder-spawn.js";
import { RuntimeManager } from "./manager.js";
import { loadDetectors } from "./state-detector.js";
import { UnmanagedRuntimes } from "./unmanaged.js";

/** The runtimes domain: agents in PTYs held outside the daemon (R-R1…R-R5). */
export function runtimeDomain(ctx: DaemonContext, deps: { envs: RuntimeEnvAccess }): Domain & { manager: RuntimeManager } {
  const mgr = new RuntimeManager(ctx, deps.envs);
  const timers: NodeJS.Timeout[] = [];
  return {
    name: "runtime",
    manager: mgr,
    handlers: runtimeHandlers(mgr, new UnmanagedRuntimes(ctx, mgr.registry, (row) => mgr.forget(row))),
    async start() {
      mgr.setDetectors(await loadDetectors());
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
