import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message, Thread } from "../../protocol/thread/model.js";
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

/**
 * The headline of issue 10: real agent CLIs (Claude Code and Codex, which the issue requires,
 * and Gemini CLI), started by the daemon as runtimes (inside a
 * loopback-only netns with the scripted model stub), use the thread bridge the daemon wired
 * in for them with no setup. The stub's scripted turn calls the swarm MCP tool post_message;
 * the message lands in the thread with the agent's identity from its token (the runtime's
 * name), not anything the model said.
 */
const KINDS: RealAgentKind[] = ["claude", "codex", "gemini"];
const why = realAgentsUnavailable([]);

describe.skipIf(why)(`real agent CLIs post to a thread through the bridge${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "thr" });
  }, 60_000);
  afterAll(async () => rig?.close());

  for (const kind of KINDS) {
    const missing = realAgentsUnavailable([kind]);
    it.skipIf(missing)(
      `${kind}: its scripted turn calls post_message; the post is the runtime's${missing ? ` (skipped: ${missing})` : ""}`,
      async () => {
        const name = `rev-${kind}`;
        const c = rig.client;
        const { thread } = await c.call<{ thread: Thread }>("thread.create", { title: `real ${kind}`, participants: [{ agent_id: name, role: "reviewer" }] });
        await c.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 120, rows: 40 });
        await waitScreenText(c, name, "its prompt", READY[kind], 90_000);
        const body = `finding from ${kind} 42`;
        const prompt = `STUB:CALL post_message ${JSON.stringify({ id: thread.id, body, kind: "finding" })}`;
        let last = "";
        let message: Message | null = null;
        // The CLI connects its MCP servers in the background: a turn taken before the swarm
        // server is up has no swarm tools (the stub then answers "no tool ending in post_message").
        // Then the same turn again, once the CLI is back at its prompt; a few tries at most.
        for (let attempt = 0; attempt < 4 && !message; attempt++) {
          const offeredBefore = rig.stub.requests().length;
          await typeAndSubmit(c, name, prompt);
          message = await waitFor(
            `${name}'s post in ${thread.id}, or its turn without the swarm tools`,
            async () => {
              last = await screenText(c, name);
              const { messages } = await c.call<{ messages: Message[] }>("thread.read", { id: thread.id });
              const posted = messages.find((m) => m.body === body);
              if (posted) return posted;
              const toolless = rig.stub
                .requests()
                .slice(offeredBefore)
                .some((r) => r.act?.text === "stub: no tool ending in post_message");
              return toolless && READY[kind](last) ? ("retry" as const) : null;
            },
            60_000,
            200,
          )
            .then((r) => (r === "retry" ? null : r))
            .catch((err: Error) => {
              throw new Error(`${err.message}\n--- last screen ---\n${last}\n--- stub ---\n${JSON.stringify(rig.stub.requests().slice(-3))}`);
            });
        }
        expect(message, `no post after 4 turns; last screen:\n${last}`).not.toBeNull();
        expect(message).toMatchObject({ author: name, kind: "finding", body });
        // the tool result went back to the model (its next request), and no approval prompt held the call
        await rig.stub.waitRequest("the tool result", (r) => r.user === undefined || r.act?.text === "stub: done", 60_000);
        const { entries } = await c.call<{ entries: { actor: string; action: string; subject: string | null; outcome: string }[] }>("audit.list", {});
        expect(entries).toContainEqual(expect.objectContaining({ actor: name, action: "thread.post", subject: thread.id, outcome: "ok" }));
        await c.call("runtime.kill", { name });
      },
      300_000,
    );
  }
});
