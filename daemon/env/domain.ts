import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { readopt } from "./adopt.js";
import { envHandlers } from "./handlers.js";
import { startIdleReaper } from "./idle.js";
import type { EnvService } from "./service.js";

/** The environments domain: registry, providers, resources, idle auto-stop (R-E3…R-E10). */
export function envDomain(ctx: DaemonContext, { service }: { service: EnvService }): Domain {
  let stopReaper: (() => void) | null = null;
  return {
    name: "env",
    handlers: envHandlers(ctx, service),
    async start() {
      await readopt(ctx, service);
      stopReaper = startIdleReaper(ctx, service);
    },
    async stop() {
      stopReaper?.();
      // in-process helpers only (sandbox proxies); environments and their processes stay
      await service.providers.close();
    },
  };
}
