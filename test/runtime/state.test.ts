import { describe, expect, it } from "vitest";
import { waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, waitScreen, useDaemon } from "./runtime-helpers.js";
import { FAKE_AGENT_RULES as RULES } from "../fixtures/fake-agent-rules.js";

interface Ev {
  id: number;
  subject: string;
  data: { state: string; previous: string; why: string };
}

describe("state detection", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it("runtime.state events follow the screen: idle → working → asking_approval → working → idle, each with its why", async () => {
    const c = await d.client();
    await c.call<unknown>("runtime.start", {
      name: "st",
      command: [FAKE_AGENT, "--work-ms", "400", "--approval"],
      cwd: d.home,
      agent: "custom",
      detector: RULES,
    });
    await waitScreen(c, "st", "prompt", (t) => /^>( |$)/m.test(t));
    const states = async () =>
      (await c.call<{ events: Ev[] }>("event.list", { since: 0, types: ["runtime.state"], limit: 1000 })).events.filter((e) => e.subject === "st");
    await waitFor("idle", async () => (await states()).some((e) => e.data.state === "idle"));
    await c.call("runtime.send", { name: "st", text: "do the thing" });
    await waitFor("asking approval", async () => (await states()).some((e) => e.data.state === "asking_approval"), 10_000);
    await c.call("runtime.input", { name: "st", data: "y" });
    await waitFor("idle again", async () => (await states()).filter((e) => e.data.state === "idle").length >= 2, 10_000);
    const seq = (await states()).map((e) => e.data.state);
    expect(seq.slice(seq.indexOf("idle"))).toEqual(expect.arrayContaining(["idle", "working", "asking_approval", "idle"]));
    const ask = (await states()).find((e) => e.data.state === "asking_approval")!;
    expect(ask.data.why).toMatch(/Allow/);
    const shown = await c.call<{ state: string; why: string }>("runtime.show", { name: "st" });
    expect(shown.state).toBe("idle");
    expect(shown.why).toMatch(/fake-agent/);
  }, 30_000);

  it("bad detector rules are refused with the rule named", async () => {
    const c = await d.client();
    const err = await c
      .call("runtime.start", { name: "bad", command: ["true"], cwd: d.home, detector: { rules: [{ state: "idle", pattern: "(" }] } })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/detector rule 0/);
  });
});
