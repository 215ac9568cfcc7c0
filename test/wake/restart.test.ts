import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { ack, logLines, post, startFakeAgent, tempLog, thread, waitWake, wakeConfig } from "./helpers.js";

describe("wake across a daemon SIGKILL", () => {
  let d: TestDaemon;
  let c: RpcClient;
  beforeAll(async () => {
    d = await startDaemon({ config: wakeConfig({ ack_timeout_ms: 60_000 }) });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("continues every pending wake after restart, and none is injected twice", async () => {
    const logA = tempLog();
    const logB = tempLog();
    const gate = path.join(path.dirname(logB), "done-working");
    await startFakeAgent(c, "rk1", logA);
    await startFakeAgent(c, "rk2", logB, ["--work-until", gate]);
    await c.call("runtime.send", { name: "rk2", text: "keep busy" });
    await waitFor("rk2 working", async () => (await c.call("runtime.show", { name: "rk2" })).state === "working");
    const th = await thread(c, ["lead", "rk1", "rk2"]);
    await post(c, th, "lead", "before the crash");
    const a = await waitWake(c, "rk1's wake injected", (w) => w.participant === "rk1" && w.phase === "ack_wait", { thread: th });
    const b = await waitWake(c, "rk2's wake waiting", (w) => w.participant === "rk2" && w.steps.some((s) => s.reason === "runtime_working"), { thread: th });
    const trigA = (l: string) => l.includes(`(wake ${a.id})`);
    await waitFor("rk1 got its trigger", () => logLines(logA).some(trigA));

    await d.kill();
    d = await d.restart();
    c = await d.client();

    // b goes on: the agent turns idle, gets its trigger once, reads
    fs.writeFileSync(gate, "");
    await waitFor("rk2 got its trigger after the restart", () => logLines(logB).some((l) => l.includes(`(wake ${b.id})`)));
    await ack(c, th, "rk2");
    const bDone = await waitWake(c, "rk2's wake acked", (w) => w.id === b.id && w.outcome === "acked", { thread: th });
    expect(bDone.attempts).toBe(1);
    // a was injected before the crash: it waits for its ack and is not typed again
    expect((await c.call("wake.show", { id: a.id })).phase).toBe("ack_wait");
    await ack(c, th, "rk1");
    const aDone = await waitWake(c, "rk1's wake acked", (w) => w.id === a.id && w.outcome === "acked", { thread: th });
    expect(aDone.attempts).toBe(1);
    expect(logLines(logA).filter(trigA)).toHaveLength(1);
    expect(logLines(logB).filter((l) => l.includes("(wake"))).toHaveLength(1);
  });
});
