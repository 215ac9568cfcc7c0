import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadlineMs } from "../helpers/deadline.js";
import { waitFor } from "../helpers/daemon.js";
import {
  READY,
  realAgentsUnavailable,
  screenText,
  startRealAgentRig,
  typeAndSubmit,
  waitScreenText,
  type RealAgentKind,
  type RealAgentRig,
} from "../helpers/real-agents.js";

// Real Claude Code and Codex against the loopback model stub: an idle agent is woken by a
// post, its new turn calls the thread bridge (the stub scripts the turn from the trigger,
// which the per-kind template makes a directive), its read cursor moves, the wake is acked.
const KINDS: RealAgentKind[] = ["claude", "codex"];
const why = realAgentsUnavailable([]);
const TEMPLATE = 'wake {wake}: STUB:CALL ack_read {"id":"{thread}"}';

describe.skipIf(why)(`wake with real agents${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({
      tag: "wk",
      config: {
        secrets: { keyring: false },
        wake: { quiet_window_ms: 500, recheck_ms: 200, ack_timeout_ms: 60_000, templates: { claude: TEMPLATE, codex: TEMPLATE } },
      },
    });
  }, deadlineMs(60_000));
  afterAll(async () => rig?.close());

  for (const kind of KINDS) {
    const missing = realAgentsUnavailable([kind]);
    it.skipIf(missing)(
      `${kind}: woken at its prompt, reads through MCP, the wake is acked${missing ? ` (skipped: ${missing})` : ""}`,
      async () => {
        const c = rig.client;
        const name = `wk-${kind}`;
        await c.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 110, rows: 32 });
        await waitScreenText(c, name, "its prompt", READY[kind], 90_000);
        await waitFor(`${name} idle`, async () => (await c.call("runtime.show", { name })).state === "idle", 60_000, 100);
        const th = (await c.call("thread.create", { title: `wake ${kind}`, participants: [{ agent_id: "lead" }, { agent_id: name }] })).thread.id;
        await c.call("thread.post", { id: th, as: "lead", body: "please look at the failing test" });
        // an MCP tool's permission prompt, if the CLI shows one, is answered yes (option 1)
        const w = await waitFor(
          "the wake to be acked",
          async () => {
            const rt = await c.call("runtime.show", { name });
            if (rt.state === "asking_approval") await c.call("runtime.input", { name, data: "\r" });
            return (await c.call("wake.list", { thread: th, limit: 5 })).wakes.find((x) => x.outcome !== null) ?? null;
          },
          180_000,
          500,
        );
        expect(w.outcome, JSON.stringify(w.steps)).toBe("acked");
        expect(w.steps.at(-1)?.reason).toBe("cursor_moved");
        const t = await c.call("thread.get", { id: th });
        expect(t.participants.find((p) => p.agent_id === name)?.unread).toBe(0);
        expect(rig.stub.requests().some((r) => r.act?.kind === "tool" && String(r.act?.name).endsWith("ack_read"))).toBe(true);
        await c.call("runtime.kill", { name });
      },
      deadlineMs(300_000), // its waits are scaled for a loaded host; so is its own timeout
    );
  }

  const noClaude = realAgentsUnavailable(["claude"]);
  it.skipIf(noClaude)(
    `claude: a person's draft in its input box defers the wake and stays intact${noClaude ? ` (skipped: ${noClaude})` : ""}`,
    async () => {
      const c = rig.client;
      const name = "wk-draft";
      // a failure here once said only "no runtime named wk-draft": say what the runtime went through
      const story = async (): Promise<string> =>
        (await c.call("event.list", { since: 0, limit: 10000 })).events
          .filter((e) => e.subject === name || (e.subject ?? "").startsWith(`${name}.`) || e.type.startsWith("wake."))
          .map((e) => `${e.type} ${e.subject} ${JSON.stringify(e.data).slice(0, 200)}`)
          .join("\n");
      try {
        const draft = "my half-written draft about the build";
        await c.call("runtime.start", { name, agent: "claude", cwd: rig.workdir, cols: 110, rows: 32 });
        await waitScreenText(c, name, "its prompt", READY.claude, 90_000);
        await waitFor(`${name} idle`, async () => (await c.call("runtime.show", { name })).state === "idle", 60_000, 100);
        await c.call("runtime.input", { name, data: draft, human: true });
        await waitScreenText(c, name, "the draft", (s) => s.includes(draft));
        const th = (await c.call("thread.create", { title: "wake over a draft", participants: [{ agent_id: "lead" }, { agent_id: name }] })).thread.id;
        await c.call("thread.post", { id: th, as: "lead", body: "the build is red" });
        // past the quiet window (500 ms here) the wake still must not type: the input line holds text that is not ours
        const w = await waitFor(
          "the wake to defer for the draft",
          async () =>
            (await c.call("wake.list", { thread: th, limit: 5 })).wakes.find((x) =>
              x.steps.some((st) => st.reason === "draft" || st.reason === "refused_draft"),
            ) ?? null,
          60_000,
          200,
        );
        expect(w.attempts).toBe(0);
        const screen = await screenText(c, name);
        expect(screen).toContain(draft);
        expect(screen).not.toContain(`wake ${w.id}`);
        expect(rig.stub.requests().some((r) => r.user?.includes(`wake ${w.id}`) || r.user?.includes(draft))).toBe(false);
        await c.call("runtime.kill", { name });
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${name}'s events:\n${await story().catch((e: unknown) => String(e))}`);
      }
    },
    300_000,
  );

  const noCodex = realAgentsUnavailable(["codex"]);
  it.skipIf(noCodex)(
    `codex: an ended runtime is woken by \`codex exec resume <id>\`, whose turn acknowledges${noCodex ? ` (skipped: ${noCodex})` : ""}`,
    async () => {
      const c = rig.client;
      const name = "wk-resume";
      await c.call("runtime.start", { name, agent: "codex", cwd: rig.workdir, cols: 110, rows: 32 });
      await waitScreenText(c, name, "its prompt", READY.codex, 90_000);
      // one turn, so Codex has a session (its rollout file) whose id swarm records
      await typeAndSubmit(c, name, "STUB:SAY first-turn-done");
      const sid = await waitFor("the session id", async () => (await c.call("runtime.show", { name })).session_id, 60_000, 200);
      await c.call("runtime.kill", { name });
      await waitFor(`${name} exited`, async () => (await c.call("runtime.show", { name })).state === "exited", 30_000, 100);
      const th = (await c.call("thread.create", { title: "wake by resume", participants: [{ agent_id: "lead" }, { agent_id: name }] })).thread.id;
      await c.call("thread.post", { id: th, as: "lead", body: "the build is red" });
      const w = await waitFor(
        "the wake to end",
        async () => (await c.call("wake.list", { thread: th, limit: 5 })).wakes.find((x) => x.outcome !== null) ?? null,
        180_000,
        500,
      );
      expect(w.outcome, JSON.stringify(w.steps)).toBe("resumed");
      expect(w.steps.map((st) => `${st.name}:${st.reason}`)).toEqual(expect.arrayContaining(["resume:runtime_ended", "ack:cursor_moved"]));
      const rt = await c.call("runtime.show", { name });
      expect(rt.command.join(" ")).toContain(`exec resume ${sid}`);
      expect(rig.stub.requests().some((r) => r.api === "openai" && r.act?.kind === "tool" && String(r.act?.name).endsWith("ack_read"))).toBe(true);
    },
    300_000,
  );
});
