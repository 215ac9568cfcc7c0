import type { DaemonContext } from "../context.js";
import type { EnvService } from "./service.js";
import { handleOf, isInterruptedCreate } from "./registry.js";

/**
 * After a (re)start: ask each environment's provider what it sees and bring the registry in
 * line. Gone environments become `lost`, unreachable providers `error`, each with a reason.
 * A create the previous daemon died in is reclaimed: its leftovers and its record go, so the
 * name can be created again.
 */
export async function readopt(ctx: DaemonContext, svc: EnvService): Promise<void> {
  for (const env of svc.registry.list()) {
    const p = svc.providers.get(env.provider);
    let state = env.state;
    let reason: string | null = env.state_reason;
    if (!p) {
      state = "error";
      reason = `provider ${env.provider} is not built into this daemon`;
    } else {
      const d = await svc.providers.detectCached(env.provider, p);
      if (!d.available) {
        state = "error";
        reason = `provider ${env.provider} is not available: ${d.reason ?? "unknown"}`;
      } else if (isInterruptedCreate(env)) {
        // The daemon died mid-create (or an earlier cleanup failed): no handle, only the spec finds the leftovers.
        try {
          if (!(await svc.reclaimInterrupted(env))) {
            ctx.logger.info("interrupted create was deleted or re-created meanwhile; left alone", { env: env.name });
            continue;
          }
          ctx.logger.info("interrupted create cleaned up; the name can be created again", { env: env.name, provider: env.provider });
          ctx.events.append("env.create_interrupted", env.name, { provider: env.provider, reclaimed: true });
          continue;
        } catch (err) {
          const msg = (err as Error).message;
          state = "error";
          reason = `interrupted: the daemon stopped while this environment was being created, and cleaning up failed (${msg}); \`swarmctl env delete ${env.name}\` retries the cleanup`;
          ctx.logger.warn("interrupted create could not be cleaned up", { env: env.name, provider: env.provider, error: msg });
          ctx.events.append("env.create_interrupted", env.name, { provider: env.provider, reclaimed: false, error: msg });
        }
      } else {
        try {
          const st = await p.status(handleOf(env));
          if (st.state === "deleted") {
            state = "lost";
            reason = `the ${env.provider} provider no longer has it${st.detail ? `: ${st.detail}` : ""}`;
          } else {
            state = st.state;
            reason = st.state === "error" ? (st.detail ?? "provider reports an error") : null;
          }
        } catch (err) {
          state = "lost";
          reason = `status failed: ${(err as Error).message}`;
        }
      }
    }
    // Readopt runs while the socket already answers: the row may have been deleted or
    // re-created while the provider was asked; then this copy says nothing about it.
    if (!svc.isSameRow(env)) {
      ctx.logger.info("environment changed while being re-adopted; left as it is", { env: env.name });
      continue;
    }
    if (state !== env.state || reason !== env.state_reason) {
      svc.registry.update(env.name, { state, state_reason: reason });
      ctx.logger.info("environment re-adopted", { env: env.name, from: env.state, to: state, reason });
    }
    ctx.events.append(state === "lost" || state === "error" ? "env.lost" : "env.adopted", env.name, { state, reason });
  }
}
