import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { ack, auditOf, logLines, post, startFakeAgent, tempLog, thread, waitWake, wakeConfig, wakesOf } from "./helpers.js";

type Trig = { status: string; wakes: { participant: string; wake_id: string; outcome: string | null; deduped_into: string | null }[] };

describe("wake storm and collision controls", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let tmuxSock: string;
  beforeAll(async () => {
    d = await startDaemon({ config: wakeConfig({ max_defer_ms: 1500 }) });
    c = await d.client();
    tmuxSock = path.join(d.home, "tmux.sock");
  });
  afterAll(async () => {
    await killAll(d);
    try {
      execFileSync("tmux", ["-S", tmuxSock, "kill-server"], { stdio: "ignore" });
    } catch {
      // no server left
    }
    await d?.stop();
  });

  it("refuses an unmanaged target and a participant without a runtime, each with a deterministic outcome", async () => {
    execFileSync("tmux", ["-S", tmuxSock, "new-session", "-d", "-s", "obs", "sleep 600"]);
    await c.call("runtime.observe", { name: "obs", target: "obs", socket_path: tmuxSock });
    const th = await thread(c, ["lead", "obs", "ghost"]);
    await post(c, th, "lead", "hello");
    const r = await c.call<Trig>("thread.trigger", { id: th });
    const byP = Object.fromEntries(r.wakes.map((w) => [w.participant, w]));
    expect(byP.obs?.outcome).toBe("refused_unmanaged");
    expect(byP.ghost?.outcome).toBe("refused_unmanaged");
    const obs = await c.call("wake.show", { id: byP.obs!.wake_id });
    expect(obs.steps.map((s) => `${s.name}:${s.reason}`)).toEqual(["created:trigger", "refused:unmanaged"]);
    const ghost = await c.call("wake.show", { id: byP.ghost!.wake_id });
    expect(ghost.steps.at(-1)).toMatchObject({ name: "refused", reason: "no_runtime" });
    expect((await auditOf(c, obs.id)).map((a) => `${a.action}:${a.reason}`)).toContain("wake.refused:unmanaged");
    // the automatic wake at the post was recorded once for obs, never for ghost
    const auto = (await wakesOf(c, { thread: th })).filter((w) => w.origin === "auto");
    expect(auto.map((w) => `${w.participant}:${w.outcome}`)).toEqual(["obs:refused_unmanaged"]);
  });

  it("keeps one pending wake per participant and thread: a second trigger is recorded deduped into it", async () => {
    const log = tempLog();
    const gate = path.join(path.dirname(log), "done-working");
    await startFakeAgent(c, "busy", log, ["--work-until", gate]);
    await c.call("runtime.send", { name: "busy", text: "start working" });
    await waitFor("busy working", async () => (await c.call("runtime.show", { name: "busy" })).state === "working");
    const th = await thread(c, ["lead", "busy"]);
    await post(c, th, "lead", "one");
    await post(c, th, "lead", "two");
    const pending = await waitWake(c, "a pending wake deferred while the agent works", (w) => w.steps.some((s) => s.reason === "runtime_working"), {
      thread: th,
    });
    const r = await c.call<Trig>("thread.trigger", { id: th, participant: "busy" });
    expect(r.wakes).toEqual([expect.objectContaining({ participant: "busy", outcome: "deduped", deduped_into: pending.id })]);
    expect((await wakesOf(c, { thread: th })).map((w) => w.outcome)).toEqual(["deduped", null]);
    fs.writeFileSync(gate, "");
    await waitFor("the trigger typed once the agent is idle", () => logLines(log).some((l) => l.includes(`(wake ${pending.id})`)));
    expect(logLines(log).find((l) => l.includes(`(wake ${pending.id})`))).toBe(
      `2 unread in thread ${th} from lead — call read_messages, then ack_read (wake ${pending.id})`,
    );
    await ack(c, th, "busy");
    await waitWake(c, "acked", (w) => w.id === pending.id && w.outcome === "acked", { thread: th });
  });

  it("pause ends pending wakes and records new ones paused once; resume wakes every unread thread", async () => {
    const log = tempLog();
    await startFakeAgent(c, "pz", log);
    expect(await c.call("wake.pause", { runtime: "pz", reason: "operator at the keyboard" })).toMatchObject({ paused: true });
    const th = await thread(c, ["lead", "pz"]);
    await post(c, th, "lead", "one");
    await post(c, th, "lead", "two");
    const paused = await wakesOf(c, { thread: th });
    expect(paused.map((w) => `${w.outcome}:${w.steps.at(-1)?.reason}`)).toEqual(["paused:runtime_paused"]);
    expect((await c.call("wake.list", {})).paused).toContain("pz");
    const r = await c.call("wake.resume", { runtime: "pz" });
    expect(r.woken).toHaveLength(1);
    await waitFor("the trigger after resume", () => logLines(log).some((l) => l.includes(`(wake ${r.woken[0]})`)));
    await ack(c, th, "pz");
    const w = await waitWake(c, "acked", (x) => x.id === r.woken[0] && x.outcome === "acked", { thread: th });
    expect(w.reason).toBe("wake_resumed");
    expect(logLines(log).filter((l) => l.includes("(wake"))).toHaveLength(1);
    const audit = await c.call("audit.list", { limit: 10000 });
    expect(audit.entries.some((e) => e.action === "wake.pause" && e.reason === "operator at the keyboard" && e.outcome === "ok")).toBe(true);
    expect(audit.entries.some((e) => e.action === "wake.paused" && e.subject === paused[0]!.id)).toBe(true);
  });

  it("defers over a human draft, and wake force injects over it with its reason audited", async () => {
    const log = tempLog();
    await startFakeAgent(c, "fd", log);
    await c.call("runtime.input", { name: "fd", data: "half typ", human: true });
    const th = await thread(c, ["lead", "fd"]);
    await post(c, th, "lead", "look");
    const w0 = await waitWake(c, "deferred for the draft", (w) => w.steps.some((s) => s.reason === "draft"), { thread: th });
    expect(w0.attempts).toBe(0);
    expect(logLines(log)).toEqual([]);
    const forced = await c.call("wake.force", { runtime: "fd", reason: "the operator wants it now" });
    expect(forced.id).toBe(w0.id);
    expect(forced.origin).toBe("force");
    expect(forced.steps.map((s) => `${s.name}:${s.reason}`)).toEqual(expect.arrayContaining(["force:operator_force", "inject:forced"]));
    await waitFor("the forced trigger in the log", () => logLines(log).some((l) => l.includes(`(wake ${w0.id})`)));
    const audit = await c.call("audit.list", { limit: 10000 });
    expect(audit.entries.some((e) => e.action === "wake.force" && e.reason === "the operator wants it now" && e.actor.startsWith("operator:"))).toBe(true);
    expect((await auditOf(c, w0.id)).map((a) => `${a.action}:${a.reason}`)).toEqual(
      expect.arrayContaining(["wake.defer:draft", "wake.force:operator_force", "wake.inject:forced"]),
    );
    const bad = await c.call("wake.force", { runtime: "fd", reason: " " }).catch((e: Error) => e);
    expect(String(bad)).toMatch(/reason/);
  });

  it("a person typing for longer than max_defer_ms ends the wake deferred_max with an event, nothing injected", async () => {
    const log = tempLog();
    await startFakeAgent(c, "typist", log);
    const th = await thread(c, ["lead", "typist"]);
    let typing = true;
    await c.call("runtime.input", { name: "typist", data: "a", human: true });
    const keys = (async () => {
      while (typing) {
        await c.call("runtime.input", { name: "typist", data: "a", human: true });
        await new Promise((r) => setTimeout(r, 100)); // a person's pace: the typing itself is what is tested
      }
      await c.call("runtime.input", { name: "typist", data: "\x03", human: true });
    })();
    await post(c, th, "lead", "ping");
    const w = await waitWake(c, "deferred_max", (x) => x.outcome !== null, { thread: th }, 20_000);
    typing = false;
    await keys;
    expect(w.outcome).toBe("deferred_max");
    expect(w.attempts).toBe(0);
    expect(w.steps.map((s) => s.name)).toEqual(["created", "defer", "deferred_max", "deferred_max"]);
    expect(logLines(log).filter((l) => l.includes("(wake"))).toEqual([]);
    const { events } = await c.call("event.list", { types: ["wake.deferred_max"], limit: 100 });
    expect(events.some((e) => (e.data as { id: string }).id === w.id)).toBe(true);
  });
});
