import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../../protocol/methods/runtime.js";
import { swarmctl, waitFor } from "../../helpers/daemon.js";
import { READY, realAgentsUnavailable, screenText, startRealAgentRig, waitScreenText, type RealAgentRig } from "../../helpers/real-agents.js";
import { marked } from "./procs.js";

// Issue 11 with the real Gemini CLI 0.61, offline (loopback stub): starting → idle, a confirmed
// delivery (its Enter needs the adapter's delay), refused at a shell-tool approval and over a
// draft, killed with nothing left, and resumed by the exact session id pinned at start.
const why = realAgentsUnavailable(["gemini"]);

type Ev = { subject: string; data: { state: string; previous: string; why: string } };
type SendRes = { status: string; why: string };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.skipIf(why)(`the real Gemini CLI as a runtime${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "gem" });
  }, 60_000);
  afterAll(async () => rig?.close());
  const state = async (name: string) => (await rig.client.call<Runtime>("runtime.show", { name })).state;
  const waitState = (name: string, want: string, ms = 60_000) =>
    waitFor(`${name} ${want}`, async () => ((await state(name)) === want ? true : null), ms).catch(async (err: Error) => {
      throw new Error(`${err.message}; it is ${await state(name)}\n--- screen ---\n${await screenText(rig.client, name)}`);
    });

  it("starting → idle; delivered; refused over a draft and at an approval prompt; killed with no process left; resumed by its id", async () => {
    const c = rig.client;
    const name = "gem";
    const build = path.join(rig.workdir, "build-gemini");
    fs.mkdirSync(build, { recursive: true });
    fs.writeFileSync(path.join(build, "keep.txt"), "keep");
    const r = await c.call<Runtime>("runtime.start", { name, agent: "gemini", cwd: rig.workdir, cols: 100, rows: 30 });
    expect(r.session_id).toMatch(UUID);
    expect(r.command).toEqual(expect.arrayContaining(["--session-id", r.session_id]));
    await waitScreenText(c, name, "its prompt", READY.gemini, 90_000);
    await waitState(name, "idle", 30_000);
    const evs = (await c.call<{ events: Ev[] }>("event.list", { since: 0, types: ["runtime.state"], limit: 1000 })).events.filter((e) => e.subject === name);
    expect(evs[0]?.data.previous).toBe("starting");

    // Gemini shows its input box while its MCP servers still start ("Initializing... Prompts will be
    // queued."); a prompt sent then is held in its queue ("Queued (press ↑ to edit)") and runs once
    // they are up: `queued` is then the truthful outcome. Either way the model must get it.
    const sent = await c.call<SendRes>("runtime.send", { name, text: "STUB:SAY delivered-gemini-7", confirm_timeout_ms: 20_000 });
    expect(["delivered", "queued"], sent.why).toContain(sent.status);
    await rig.stub.waitRequest("the delivered prompt", (q) => q.api === "gemini" && q.act?.text === "delivered-gemini-7", 90_000);
    await waitScreenText(c, name, "the answer", (s) => s.split("delivered-gemini-7").length > 2, 60_000);
    await waitState(name, "idle");

    // a person's half-written draft: refused, left as it was
    await c.call("runtime.input", { name, data: "my half-written dra" });
    await waitScreenText(c, name, "the draft", (s) => s.includes("my half-written dra"));
    const over = await swarmctl(rig.env, ["runtime", "send", name, "hello"]);
    expect(over.code, over.stderr).toBe(4);
    expect(over.stderr).toMatch(/input line holds text that is not ours/);
    expect(await waitScreenText(c, name, "the draft still there", (s) => s.includes("my half-written dra"))).not.toMatch(/my half-written drahello/);
    await c.call("runtime.input", { name, data: "\x15" }); // Ctrl-U: gemini's editor clears to the line start
    await waitScreenText(c, name, "the draft gone", (s) => !s.includes("my half-written dra"), 20_000);

    // a shell tool call: its confirmation is asking_approval; a send is refused, nothing typed; answered no
    const asked = await c.call<SendRes>("runtime.send", { name, text: `STUB:BASH rm -rf ${build}`, confirm_timeout_ms: 20_000 });
    expect(asked.status, asked.why).toBe("delivered");
    await waitState(name, "asking_approval", 90_000);
    const refused = await swarmctl(rig.env, ["runtime", "send", name, "no, do not delete anything"]);
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/asking_approval/);
    expect(await screenText(c, name)).not.toContain("no, do not delete anything");
    const answered = await swarmctl(rig.env, ["runtime", "answer", name, "no"]);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toMatch(/answered "Allow execution of \[Shell\]\?" with \d\. No/);
    await waitFor(`${name} past the prompt`, async () => ((await state(name)) !== "asking_approval" ? true : null), 30_000);
    expect(fs.existsSync(path.join(build, "keep.txt"))).toBe(true);

    // kill: the whole tree goes
    expect(marked(r.id).length, "gemini runs under the runtime's marker").toBeGreaterThan(0);
    const killed = await swarmctl(rig.env, ["runtime", "kill", name]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(marked(r.id), "processes of the killed gemini runtime still alive").toEqual([]);

    // resume by the pinned id: the same conversation, the new prompt answered
    const res = await swarmctl(rig.env, ["runtime", "resume", name, "STUB:SAY resumed-gemini-turn-23", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const next = JSON.parse(res.stdout) as Runtime & { generation: number; headless: boolean };
    expect(next).toMatchObject({ session_id: r.session_id, headless: false, generation: 2 });
    expect(next.command.slice(1, 3)).toEqual(["--resume", r.session_id]);
    await rig.stub.waitRequest("the resumed prompt", (q) => q.api === "gemini" && q.act?.text === "resumed-gemini-turn-23", 90_000);
    await waitScreenText(
      c,
      name,
      "the earlier turn and the resumed answer",
      (s) => s.includes("delivered-gemini-7") && s.split("resumed-gemini-turn-23").length > 2,
      60_000,
    );
    await c.call("runtime.kill", { name });
  }, 400_000);
});
