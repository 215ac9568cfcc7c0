import { metricsGet } from "../../protocol/methods/metrics.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import type { SwarmMetrics } from "./collectors.js";
import { serveMetrics } from "./http-endpoint.js";

/** Metrics (R-O1): `metrics.get` always; a Prometheus endpoint on loopback when metrics.listen is set. */
export function metricsDomain(ctx: DaemonContext, { metrics }: { metrics: SwarmMetrics }): Domain {
  let endpoint: { url: string; close(): Promise<void> } | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    name: "metrics",
    handlers: [
      handle(metricsGet, async () => ({
        text: await metrics.registry.metrics(),
        metrics: (await metrics.registry.getMetricsAsJSON()) as never,
        endpoint: endpoint?.url ?? null,
      })),
    ],
    async start() {
      metrics.seed();
      unsubscribe = ctx.events.subscribe((ev) => metrics.observe(ev));
      const listen = ctx.cfg().metrics.listen;
      if (listen !== "off") {
        try {
          endpoint = await serveMetrics(listen, metrics.registry, ctx.logger);
          ctx.events.append("metrics.listening", null, { url: endpoint.url });
        } catch (err) {
          // a taken port must not stop the daemon: metrics.get still works, and the event says why
          ctx.logger.error("metrics endpoint could not listen", { listen, error: String(err) });
          ctx.events.append("metrics.listen_failed", null, { listen, error: String(err) });
        }
      }
    },
    async stop() {
      unsubscribe?.();
      await endpoint?.close();
    },
  };
}
