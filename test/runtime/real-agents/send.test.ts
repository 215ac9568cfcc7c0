import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { swarmctl, waitFor } from "../../helpers/daemon.js";
import {
  READY,
  realAgentsUnavailable,
  screenText,
  startRealAgentRig,
  waitScreenText,
  type RealAgentKind,
  type RealAgentRig,
} from "../../helpers/real-agents.js";

// Issue 11 defects 1–4 against the real Claude Code and Codex, offline (loopback stub):
// starting → idle, a confirmed delivery, a send over a draft refused (draft intact), a send at
// an approval prompt refused (the directory survives) and answered "no" on purpose.
const KINDS: RealAgentKind[] = ["claude", "codex"];
const why = realAgentsUnavailable([]);

type Ev = { subject: string; data: { state: string; previous: string; why: string } };
type SendRes = { status: string; why: string };

describe.skipIf(why)(`runtime send with the real CLIs${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "snd" });
  }, 60_000);
  afterAll(async () => rig?.close());

  for (const kind of KINDS) {
    const missing = realAgentsUnavailable([kind]);
    it.skipIf(missing)(
      `${kind}: starting → idle; delivered; refused over a draft and at an approval prompt${missing ? ` (skipped: ${missing})` : ""}`,
      async () => {
        const c = rig.client;
        const name = `snd-${kind}`;
        const build = path.join(rig.workdir, `build-${kind}`);
        fs.mkdirSync(build, { recursive: true });
        fs.writeFileSync(path.join(build, "keep.txt"), "keep");
        await c.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 100, rows: 30 });
        await waitScreenText(c, name, "its prompt", READY[kind], 90_000);
        await waitFor(`${name} idle`, async () => (await c.call<{ state: string }>("runtime.show", { name })).state === "idle", 30_000);
        const evs = (await c.call<{ events: Ev[] }>("event.list", { since: 0, types: ["runtime.state"], limit: 1000 })).events.filter(
          (e) => e.subject === name,
        );
        expect(evs[0]?.data.previous).toBe("starting");

        const sent = await c.call<SendRes>("runtime.send", { name, text: `STUB:SAY delivered-${kind}-7`, confirm_timeout_ms: 20_000 });
        expect(sent.status, sent.why).toBe("delivered");
        await rig.stub.waitRequest("the delivered prompt", (r) => r.act?.text === `delivered-${kind}-7`, 90_000);
        await waitFor(`${name} idle again`, async () => (await c.call<{ state: string }>("runtime.show", { name })).state === "idle", 90_000);

        // a person's half-written draft: refused, left as it was
        await c.call("runtime.input", { name, data: "my half-written dra" });
        await waitScreenText(c, name, "the draft", (s) => s.includes("my half-written dra"));
        const over = await swarmctl(rig.env, ["runtime", "send", name, "hello"]);
        expect(over.code, over.stderr).toBe(4);
        expect(over.stderr).toMatch(/input line holds text that is not ours/);
        expect(await waitScreenText(c, name, "the draft still there", (s) => s.includes("my half-written dra"))).not.toMatch(/my half-written drahello/);
        // clear it (Ctrl-U deletes to the line start in both CLIs' editors)
        await c.call("runtime.input", { name, data: "\x15" });
        await waitScreenText(c, name, "the draft gone", (s) => !s.includes("my half-written dra"), 20_000);

        // an approval prompt: refused, nothing typed; answered no on purpose; the directory survives
        const asked = await c.call<SendRes>("runtime.send", { name, text: `STUB:BASH rm -rf ${build}`, confirm_timeout_ms: 20_000 });
        expect(asked.status, asked.why).toBe("delivered");
        await waitFor(`${name} asking approval`, async () => (await c.call<{ state: string }>("runtime.show", { name })).state === "asking_approval", 90_000);
        const refused = await swarmctl(rig.env, ["runtime", "send", name, "no, do not delete anything"]);
        expect(refused.code, refused.stderr).toBe(4);
        expect(refused.stderr).toMatch(/asking_approval/);
        expect(await screenText(c, name)).not.toContain("no, do not delete anything"); // nothing typed into the prompt
        const answered = await swarmctl(rig.env, ["runtime", "answer", name, "no"]);
        expect(answered.code, answered.stderr).toBe(0);
        await waitFor(`${name} past the prompt`, async () => (await c.call<{ state: string }>("runtime.show", { name })).state !== "asking_approval", 30_000);
        expect(fs.existsSync(path.join(build, "keep.txt"))).toBe(true);
        await c.call("runtime.kill", { name });
      },
      300_000,
    );
  }

  const noClaude = realAgentsUnavailable(["claude"]);
  it.skipIf(noClaude)(
    `claude: a send right after start waits until it is ready, its bridge connected, and its turn has swarm's tools${noClaude ? ` (skipped: ${noClaude})` : ""}`,
    async () => {
      const c = rig.client;
      const name = "snd-early";
      await c.call("runtime.start", { name, agent: "claude", cwd: rig.workdir, cols: 100, rows: 30 });
      // no wait of ours: the send itself waits for the prompt (Claude draws it before its MCP servers are up)
      const sent = await c.call<SendRes>("runtime.send", { name, text: "STUB:SAY early-7", confirm_timeout_ms: 20_000 });
      expect(sent.status, sent.why).toBe("delivered");
      // the turn itself (Claude also asks for a session title with the same text, and no tools)
      const req = await rig.stub.waitRequest("the early prompt's turn", (r) => r.act?.text === "early-7" && (r.tools?.length ?? 0) > 0, 90_000);
      expect(req.tools ?? []).toContain("mcp__swarm__post_message");
      const evs = (await c.call<{ events: { type: string; subject: string }[] }>("event.list", { since: 0, limit: 10000 })).events;
      expect(evs.some((e) => e.type === "runtime.bridge_connected" && e.subject === name)).toBe(true);
      await c.call("runtime.kill", { name });
    },
    300_000,
  );
});
