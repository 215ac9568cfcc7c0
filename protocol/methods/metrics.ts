import { z } from "zod";
import { defineMethod } from "../method.js";

export const MetricSample = z.object({
  name: z.string(),
  type: z.string().describe("counter | gauge | histogram | summary"),
  help: z.string(),
  values: z.array(z.object({ labels: z.record(z.string(), z.union([z.string(), z.number()])), value: z.number(), metricName: z.string().optional() })),
});

export const metricsGet = defineMethod({
  name: "metrics.get",
  summary:
    "The daemon's metrics (R-O1): tickets by state and transitions, claim latency, runtime states, environments, wake outcomes, escalations, RPC latency by method, holder memory. `text` is the Prometheus exposition format; `metrics` the same as JSON.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({
    text: z.string(),
    metrics: z.array(MetricSample),
    endpoint: z.string().nullable().describe("http://127.0.0.1:PORT/metrics when metrics.listen is set, else null"),
  }),
});
