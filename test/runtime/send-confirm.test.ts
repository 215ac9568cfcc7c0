import fs from "node:fs";
import path from "node:path";
import type { RpcClient } from "../../client/index.js";
import { describe, expect, it } from "vitest";
import { waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT_RULES as RULES } from "../fixtures/fake-agent-rules.js";
import { FAKE_AGENT, show, waitScreen, useDaemon } from "./runtime-helpers.js";

/**
 * Issue 11, defects 3 and 4 against the fake agent's hazards: a delivery is confirmed by
 * its effect on the screen model, never by the byte stream, and nothing is typed into an
 * agent that is not ready yet.
 */

type SendRes = { status: string; why: string; paste: boolean; ms: number; reason?: string };
type Ev = { id: number; subject: string; ts: string; data: { state: string; previous: string; why: string } };

const logLines = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

async function start(c: RpcClient, d: TestDaemon, name: string, args: string[], opts: { rules?: boolean; cols?: number } = {}): Promise<string> {
  const log = path.join(d.home, `${name}.log`);
  await c.call("runtime.start", {
    name,
    command: [FAKE_AGENT, "--log", log, ...args],
    cwd: d.home,
    agent: "custom",
    ...(opts.rules === false ? {} : { detector: RULES }),
    ...(opts.cols ? { cols: opts.cols } : {}),
  });
  return log;
}

async function states(c: RpcClient, name: string): Promise<Ev[]> {
  return (await c.call<{ events: Ev[] }>("event.list", { since: 0, types: ["runtime.state"], limit: 1000 })).events.filter((e) => e.subject === name);
}

describe("runtime.send confirms on the screen model", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it("an Enter swallowed with the paste is pressed once more: delivered, and the agent got the text", async () => {
    const c = await d.client();
    const log = await start(c, d, "swallow", ["--work-ms", "0", "--swallow-enter-ms", "250"]);
    await waitScreen(c, "swallow", "the prompt", (t) => /^>( |$)/m.test(t));
    const r = await c.call<SendRes>("runtime.send", { name: "swallow", text: "please run the tests", enter_delay_ms: 20 });
    expect(r.status, r.why).toBe("delivered");
    await waitFor("logged", () => logLines(log).includes("please run the tests"));
  }, 30_000);

  it("spaces drawn as cursor moves still match (with and without an input-line reader)", async () => {
    const c = await d.client();
    const withReader = await start(c, d, "spaces", ["--work-ms", "0", "--cursor-spaces"]);
    const generic = await start(c, d, "spaces-generic", ["--work-ms", "0", "--cursor-spaces"], { rules: false });
    await waitScreen(c, "spaces", "the prompt", (t) => /^>( |$)/m.test(t));
    await waitScreen(c, "spaces-generic", "the prompt", (t) => /^>( |$)/m.test(t));
    for (const [name, log] of [
      ["spaces", withReader],
      ["spaces-generic", generic],
    ] as const) {
      const r = await c.call<SendRes>("runtime.send", { name, text: "task while you wait" });
      expect(r.status, `${name}: ${r.why}`).toBe("delivered");
      await waitFor(`${name} logged`, () => logLines(log).includes("task while you wait"));
    }
  }, 30_000);

  it('a one-character needle is not found in unrelated output: "x" to a program printing x\'s is not_confirmed', async () => {
    const c = await d.client();
    await c.call("runtime.start", { name: "xs", command: ["sh", "-c", "stty -echo; echo ready; while :; do echo xxx; sleep 0.05; done"], cwd: d.home });
    await waitScreen(c, "xs", "output", (t) => t.includes("xxx"));
    const r = await c.call<SendRes>("runtime.send", { name: "xs", text: "x", confirm_timeout_ms: 800 });
    expect(r.status, r.why).toBe("not_confirmed");
  }, 30_000);

  it("sent while the agent works: queued (its marker on screen), and it runs after the turn", async () => {
    const c = await d.client();
    const gate = path.join(d.home, "q-gate");
    const log = await start(c, d, "busy", ["--work-ms", "0", "--work-until", gate]);
    await waitScreen(c, "busy", "the prompt", (t) => /^>( |$)/m.test(t));
    expect((await c.call<SendRes>("runtime.send", { name: "busy", text: "first task" })).status).toBe("delivered");
    await waitFor("working", async () => (await show(c, "busy")).state === "working");
    const r = await c.call<SendRes>("runtime.send", { name: "busy", text: "second task" });
    expect(r.status, r.why).toBe("queued");
    expect(r.why).toMatch(/queued/);
    fs.writeFileSync(gate, "");
    await waitFor("both ran", () => logLines(log).length === 2);
    expect(logLines(log)).toEqual(["first task", "second task"]);
  }, 30_000);
});

describe("starting until ready", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it("a splash is starting, not idle; a send waits for the prompt instead of typing into the splash", async () => {
    const c = await d.client();
    const log = await start(c, d, "splash", ["--work-ms", "0", "--splash-ms", "1500"]);
    await waitScreen(c, "splash", "the splash", (t) => t.includes("fake-agent starting…"));
    expect((await show(c, "splash")).state).toBe("starting");
    const r = await c.call<SendRes>("runtime.send", { name: "splash", text: "early bird" });
    expect(r.status, r.why).toBe("delivered");
    await waitFor("logged", () => logLines(log).includes("early bird"));
    // the first state after starting is the prompt's idle, not a fallback's guess during the splash
    const first = (await states(c, "splash"))[0]!;
    expect(first.data).toMatchObject({ state: "idle", previous: "starting" });
    expect(first.data.why).toMatch(/prompt/);
    // an agent that never becomes ready: the send is refused with that reason, nothing typed
    await start(c, d, "slow", ["--work-ms", "0", "--splash-ms", "20000"]);
    await waitScreen(c, "slow", "the splash", (t) => t.includes("fake-agent starting…"));
    const slow = await c.call<SendRes>("runtime.send", { name: "slow", text: "too soon", ready_timeout_ms: 500 });
    expect(slow).toMatchObject({ status: "refused", reason: "starting" });
    expect((await c.call<{ lines: string[] }>("runtime.screen", { name: "slow" })).lines.join("\n")).not.toContain("too soon");
  }, 40_000);

  it("typing a two-row draft key by key does not flip the state to working", async () => {
    const c = await d.client();
    await start(c, d, "typist", ["--work-ms", "0"], { cols: 40 });
    await waitScreen(c, "typist", "the prompt", (t) => /^>( |$)/m.test(t));
    await waitFor("idle", async () => (await show(c, "typist")).state === "idle");
    const before = (await states(c, "typist")).at(-1)!.id;
    const draft = "my half-written draft that wraps onto a second row of the screen";
    for (const ch of draft) {
      await c.call("runtime.input", { name: "typist", data: ch, human: true });
      await new Promise((r) => setTimeout(r, 15)); // a person's pace, not a synchronisation
    }
    await waitScreen(c, "typist", "the wrapped draft", (t) => t.replace(/\s/g, "").includes(draft.replace(/\s/g, "")));
    // let the detector loop run past its settle time with the typing done
    await new Promise((r) => setTimeout(r, 1200));
    const flips = (await states(c, "typist")).filter((e) => e.id > before);
    expect(flips.map((e) => e.data.state)).toEqual([]);
    expect((await show(c, "typist")).state).toBe("idle");
  }, 40_000);
});
