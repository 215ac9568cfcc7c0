import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { auditOf, logLines, post, startFakeAgent, tempLog, thread, waitWake, wakeConfig } from "./helpers.js";
import { writeCodexStandIn } from "./standin.js";

const SESSION = "3f2b6c1e-8d4a-4b7e-9c1f-2a5d7e9b0c11";

/** A daemon whose PATH starts with a stand-in codex; ack timeouts short so the chain runs in seconds. */
async function standInDaemon(over: Record<string, unknown>): Promise<{ d: TestDaemon; c: RpcClient; standin: ReturnType<typeof writeCodexStandIn> }> {
  const home = tempHome("swarm-wake-");
  const standin = writeCodexStandIn(path.join(home.home, "bin"), home.home);
  const d = await startDaemon({ home, config: wakeConfig({ ack_timeout_ms: 600, ...over }), extraEnv: { PATH: `${standin.dir}:${process.env.PATH}` } });
  return { d, c: await d.client(), standin };
}

async function startCodex(c: RpcClient, name: string): Promise<void> {
  await c.call("runtime.start", { name, agent: "codex", command: ["codex"], session_id: SESSION });
  await waitFor(`${name} idle`, async () => (await c.call("runtime.show", { name })).state === "idle");
}

describe("wake fallback chain: retry, two resumes by exact session id, spawn seeded with the summary", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let standin: ReturnType<typeof writeCodexStandIn>;
  beforeAll(async () => {
    ({ d, c, standin } = await standInDaemon({ retries: 1, max_resumes: 2, ack_timeout_ms: 2000 }));
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("walks every step when nothing acknowledges until the spawned session reads the thread", async () => {
    fs.writeFileSync(path.join(standin.dir, "ack-spawn"), "");
    await startCodex(c, "cx");
    const th = await thread(c, ["lead", "cx"], "fallback");
    await c.call("thread.summarize", { id: th, text: "the parser rewrite; tests red on main" });
    await post(c, th, "lead", "status?");
    const w = await waitWake(c, "the wake to end", (x) => x.thread === th && x.outcome !== null, { thread: th }, 30_000);
    expect(w.outcome, JSON.stringify(w.steps, null, 1)).toBe("spawned");
    const names = w.steps.map((s) => s.name);
    expect(names).toEqual([
      "created",
      "inject",
      "ack_wait",
      "retry",
      "inject",
      "ack_wait",
      "resume",
      "ack_wait",
      "resume",
      "ack_wait",
      "spawn",
      "ack_wait",
      "ack",
    ]);
    expect(w.steps.find((s) => s.name === "retry")?.reason).toBe("ack_timeout");
    expect(w.steps.filter((s) => s.name === "resume").map((s) => s.detail)).toEqual([
      `session ${SESSION} (resume 1 of 2)`,
      `session ${SESSION} (resume 2 of 2)`,
    ]);
    expect(w.attempts).toBe(2);
    expect(w.resumes).toBe(2);
    // the agent got the trigger twice (first try, one retry), each resume ran `codex exec resume <exact id>`, the spawn was seeded with the summary
    expect(logLines(standin.agentLog).filter((l) => l.includes(`(wake ${w.id})`))).toHaveLength(2);
    const calls = logLines(standin.calls);
    expect(calls.filter((l) => l.startsWith(`resume cx exec resume ${SESSION} |`))).toHaveLength(2);
    const spawn = calls.find((l) => l.startsWith("spawn cx"));
    expect(spawn).toContain(`You are cx in thread ${th} ("fallback"). Summary so far: the parser rewrite; tests red on main.`);
    const audit = (await auditOf(c, w.id)).map((a) => `${a.action}:${a.reason}`);
    expect(audit).toEqual(
      expect.arrayContaining([
        "wake.retry:ack_timeout",
        "wake.resume:ack_timeout",
        "wake.resume:resume_ack_timeout",
        "wake.spawn:resume_ack_timeout",
        "wake.ack:cursor_moved",
      ]),
    );
  });
});

describe("wake fallback: a session silent for longer than stale_session_ms is not resumed", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let standin: ReturnType<typeof writeCodexStandIn>;
  beforeAll(async () => {
    ({ d, c, standin } = await standInDaemon({ retries: 0, stale_session_ms: 1000, ack_timeout_ms: 2000 }));
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("skips resume (stale_session) and spawns", async () => {
    fs.writeFileSync(path.join(standin.dir, "ack-spawn"), "");
    await startCodex(c, "old");
    await c.call("session.heartbeat", { agent_id: "old", session_id: SESSION, runtime: "old", runtime_kind: "codex", resumable: true });
    await new Promise((r) => setTimeout(r, 1200)); // the session's age is the point: older than stale_session_ms
    const th = await thread(c, ["lead", "old"]);
    await post(c, th, "lead", "still there?");
    const w = await waitWake(c, "the wake to end", (x) => x.outcome !== null, { thread: th }, 30_000);
    expect(w.outcome).toBe("spawned");
    expect(w.steps.find((s) => s.name === "resume_skipped")?.reason).toBe("stale_session");
    expect(w.resumes).toBe(0);
    expect(logLines(standin.calls).some((l) => l.startsWith("resume"))).toBe(false);
    expect((await auditOf(c, w.id)).some((a) => a.action === "wake.resume_skipped" && a.reason === "stale_session")).toBe(true);
  });

  it("the default threshold is 12 h", async () => {
    const { WAKE_DEFAULTS } = await import("../../protocol/config/wake.js");
    expect(WAKE_DEFAULTS.stale_session_ms).toBe(12 * 3600 * 1000);
  });
});

describe("wake fallback: an agent that cannot resume or spawn ends failed", () => {
  let d: TestDaemon;
  let c: RpcClient;
  beforeAll(async () => {
    d = await startDaemon({ config: wakeConfig({ ack_timeout_ms: 400, retries: 1 }) });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("retries once, then records why resume and spawn were not possible", async () => {
    const log = tempLog();
    await startFakeAgent(c, "mute", log);
    const th = await thread(c, ["lead", "mute"]);
    await post(c, th, "lead", "anyone?");
    const w = await waitWake(c, "the wake to end", (x) => x.outcome !== null, { thread: th }, 20_000);
    expect(w.outcome).toBe("failed");
    expect(w.steps.map((s) => `${s.name}:${s.reason}`)).toEqual([
      "created:message_posted",
      "inject:idle_quiet",
      "ack_wait:delivered",
      "retry:ack_timeout",
      "inject:idle_quiet",
      "ack_wait:delivered",
      "resume_skipped:not_resumable",
      "failed:not_spawnable",
    ]);
    expect(logLines(log).filter((l) => l.includes(`(wake ${w.id})`))).toHaveLength(2);
  });
});

describe("wake fallback: a runtime that has ended is resumed in place (runtime.resume)", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let standin: ReturnType<typeof writeCodexStandIn>;
  beforeAll(async () => {
    ({ d, c, standin } = await standInDaemon({ retries: 0, ack_timeout_ms: 5000 }));
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("resumes the exact session under the runtime's own name, and the resumed turn's read acknowledges", async () => {
    fs.writeFileSync(path.join(standin.dir, "ack-resume"), "");
    await startCodex(c, "gone");
    await c.call("runtime.kill", { name: "gone" });
    await waitFor("gone exited", async () => (await c.call("runtime.show", { name: "gone" })).state === "exited");
    const th = await thread(c, ["lead", "gone"]);
    await post(c, th, "lead", "wake up");
    const w = await waitWake(c, "the wake to end", (x) => x.outcome !== null, { thread: th }, 30_000);
    expect(w.outcome, JSON.stringify(w.steps)).toBe("resumed");
    expect(w.attempts).toBe(0);
    expect(w.steps.map((s) => `${s.name}:${s.reason}`)).toEqual([
      "created:message_posted",
      "resume:runtime_ended",
      "ack_wait:resume_started",
      "ack:cursor_moved",
    ]);
    expect(logLines(standin.calls).filter((l) => l.startsWith(`resume gone exec resume ${SESSION} |`))).toHaveLength(1);
  });
});
