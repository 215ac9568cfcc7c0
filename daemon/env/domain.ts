import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { secretsFor } from "../secrets/domain.js";
import { readopt } from "./adopt.js";
import { envHandlers } from "./handlers.js";
import { startIdleReaper } from "./idle.js";
import { ProviderSet } from "./provider-set.js";
import { EnvRegistry } from "./registry.js";
import { EnvService } from "./service.js";

const services = new WeakMap<DaemonContext, EnvService>();

/**
 * The env service of a daemon, for other domains (runtimes spawn agents through
 * `ptyCommand`, which forwards variables and secrets and counts as activity).
 */
export function envServiceFor(ctx: DaemonContext): EnvService | undefined {
  return services.get(ctx);
}

/** The environments domain: registry, providers, resources, idle auto-stop (R-E3…R-E10). */
export function envDomain(ctx: DaemonContext): Domain {
  const registry = new EnvRegistry(ctx.db);
  // SWARM_ENV / SWARM_PROJECT last: a user variable of that name must not hide which environment this is
  const providers = new ProviderSet(ctx, (h) => {
    const env = registry.get(h.name);
    return env ? { ...secretsFor(ctx).vault.resolve(env.project), SWARM_ENV: h.name, SWARM_PROJECT: env.project } : { SWARM_ENV: h.name };
  });
  const svc = new EnvService(ctx, registry, providers);
  services.set(ctx, svc);
  let stopReaper: (() => void) | null = null;
  return {
    name: "env",
    handlers: envHandlers(ctx, svc),
    async start() {
      await readopt(ctx, svc);
      stopReaper = startIdleReaper(ctx, svc);
    },
    async stop() {
      stopReaper?.();
      // in-process helpers only (sandbox proxies); environments and their processes stay
      await providers.close();
    },
  };
}
