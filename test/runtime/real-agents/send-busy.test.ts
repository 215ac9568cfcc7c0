import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/daemon.js";
import {
  READY,
  realAgentsUnavailable,
  screenText,
  startRealAgentRig,
  waitScreenText,
  type RealAgentKind,
  type RealAgentRig,
} from "../../helpers/real-agents.js";

// Issue 11, "send busy" with the real Claude Code, Codex and Gemini CLI, offline (loopback stub):
// a send while the agent works on a turn (the stub holds the answer back: `STUB:SLOW ms text`)
// comes back `queued`, told by the agent's own marker (Claude "Press up to edit queued
// messages", Codex "Messages to be submitted after next tool call", Gemini "Queued (press ↑ to
// edit)"), and the queued text reaches the model as the next turn once the first one ends.
const KINDS: RealAgentKind[] = ["claude", "codex", "gemini"];
const why = realAgentsUnavailable([]);

type SendRes = { status: string; why: string };
const state = async (rig: RealAgentRig, name: string) => (await rig.client.call<{ state: string }>("runtime.show", { name })).state;

describe.skipIf(why)(`runtime send to a busy real CLI${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "bsy" });
  }, 60_000);
  afterAll(async () => rig?.close());

  for (const kind of KINDS) {
    const missing = realAgentsUnavailable([kind]);
    it.skipIf(missing)(
      `${kind}: a send during a turn is queued, and submitted after the turn${missing ? ` (skipped: ${missing})` : ""}`,
      async () => {
        const c = rig.client;
        const name = `bsy-${kind}`;
        await c.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 100, rows: 30 });
        await waitScreenText(c, name, "its prompt", READY[kind], 90_000);
        await waitFor(`${name} idle`, async () => (await state(rig, name)) === "idle", 30_000);

        const slow = await c.call<SendRes>("runtime.send", { name, text: `STUB:SLOW 20000 slow-${kind}-answer`, confirm_timeout_ms: 20_000 });
        // gemini queues a prompt sent while its MCP servers still start (see gemini.test.ts)
        expect(kind === "gemini" ? ["delivered", "queued"] : ["delivered"], slow.why).toContain(slow.status);
        await rig.stub.waitRequest("the slow turn", (r) => r.act?.text === `slow-${kind}-answer`, 60_000);
        await waitFor(`${name} working`, async () => (await state(rig, name)) === "working", 20_000);

        const t0 = Date.now();
        const busy = await c.call<SendRes>("runtime.send", { name, text: `STUB:SAY queued-${kind}-9`, confirm_timeout_ms: 10_000 });
        const screen = await screenText(c, name);
        expect(busy.status, `${busy.why}\n--- screen ---\n${screen}`).toBe("queued");
        // told by the agent's own marker, not only by the input line emptying while it works
        expect(busy.why, screen).toMatch(/the agent is busy and queued it \(".+" on screen\)/);
        // still the first turn: nothing of the queued text reached the model yet
        expect(rig.stub.requests().some((r) => r.act?.text === `queued-${kind}-9`)).toBe(false);
        expect(Date.now() - t0, "the send returned while the slow turn still ran").toBeLessThan(15_000);

        // the slow turn ends (20 s after it began); only then is the queued text the model's next turn
        const q = await rig.stub.waitRequest("the queued prompt", (r) => r.act?.text === `queued-${kind}-9`, 90_000);
        const slowReq = rig.stub.requests().find((r) => r.act?.text === `slow-${kind}-answer`);
        const at = (r: unknown) => Date.parse((r as { at: string }).at);
        expect(at(q) - at(slowReq), "the queued text reached the model only after the slow turn's answer").toBeGreaterThanOrEqual(19_000);
        await waitScreenText(c, name, "the queued turn's answer", (s) => s.split(`queued-${kind}-9`).length > 2, 60_000);
        await c.call("runtime.kill", { name });
      },
      300_000,
    );
  }
});
