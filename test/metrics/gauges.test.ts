import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { EventLog } from "../../daemon/events/event-log.js";
import { nullLogger } from "../../daemon/log/logger.js";
import { SwarmMetrics } from "../../daemon/metrics/collectors.js";
import { openDatabase } from "../../daemon/store/db.js";
import { startWorld, type EnvWorld } from "../env/fixture.js";
import { waitFor } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";

type MetricJson = { name: string; values: { value: number; labels: Record<string, string> }[] };

/** One metric's value by labels from a prom-client registry. */
async function valueOf(m: SwarmMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const got = await m.registry.getSingleMetric(name)?.get();
  return got?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe("counters fed by the event log", () => {
  it("escalations and wake outcomes count the events the thread and wake domains append", async () => {
    const db = openDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "swarm-metrics-")), "swarm.db"));
    const events = new EventLog(db, nullLogger());
    const m = new SwarmMetrics(db);
    events.subscribe((ev) => m.observe(ev));
    events.append("thread.escalated", "th-1", { id: "th-1", kind: "manual", reason: "stuck", by: "op", seq: 3 });
    events.append("thread.escalated", "th-2", { id: "th-2", kind: "policy", reason: "loop", by: "policy", seq: 9 });
    for (const outcome of ["delivered", "delivered", "not_confirmed"]) events.append("wake.finished", "rt", { outcome });
    // an event without an outcome is not a wake anyone can count
    events.append("wake.finished", "rt", {});
    expect(await valueOf(m, "swarm_escalations_total")).toBe(2);
    expect(await valueOf(m, "swarm_wake_outcomes_total", { outcome: "delivered" })).toBe(2);
    expect(await valueOf(m, "swarm_wake_outcomes_total", { outcome: "not_confirmed" })).toBe(1);
    db.close();
  });
});

describe("gauges read when scraped, through a real daemon", () => {
  let w: EnvWorld;
  let c: RpcClient;
  beforeAll(async () => {
    w = await startWorld();
    c = await w.d.client();
  });
  afterAll(async () => {
    await killAll(w?.d);
    await w?.dispose();
  });

  it("environments by provider and state, runtimes by state and agent, and the holders' memory", async () => {
    expect((await w.ctl(["env", "create", "gauged", "--repo", w.repo, "--provider", "worktree"])).code).toBe(0);
    await c.call("runtime.start", { name: "held", cwd: w.d.home, command: ["sh", "-c", "echo up; exec sleep 120"] });
    const metrics = async () => (await c.call<{ metrics: MetricJson[] }>("metrics.get", {})).metrics;
    const pick = (ms: MetricJson[], name: string, labels: Record<string, string> = {}) =>
      ms.find((x) => x.name === name)?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
    const envState = (await w.json<{ state: string }>(["env", "show", "gauged"])).state;
    const ms = await waitFor("the runtime to be counted as running", async () => {
      const got = await metrics();
      return (pick(got, "swarm_runtimes", { agent: "custom" }) ?? 0) >= 1 ? got : null;
    });
    expect(pick(ms, "swarm_envs", { provider: "worktree", state: envState })).toBe(1);
    const rss = pick(ms, "swarm_holder_rss_bytes") ?? 0;
    // one live holder: more than nothing, less than a Node process could ever be here
    expect(rss).toBeGreaterThan(100 * 1024);
    expect(rss).toBeLessThan(512 * 1024 * 1024);
    await c.call("runtime.kill", { name: "held" });
    const after = await waitFor("the exited holder to leave the memory gauge", async () => {
      const got = await metrics();
      return (pick(got, "swarm_holder_rss_bytes") ?? -1) === 0 ? got : null;
    });
    expect(pick(after, "swarm_runtimes", { state: "exited", agent: "custom" })).toBe(1);
  });
});
