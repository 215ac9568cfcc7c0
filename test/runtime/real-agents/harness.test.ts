import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/daemon.js";
import { deadlineMs } from "../../helpers/deadline.js";
import {
  READY,
  realAgentsUnavailable,
  startRealAgentRig,
  typeAndSubmit,
  waitScreenText,
  type RealAgentKind,
  type RealAgentRig,
} from "../../helpers/real-agents.js";

// The rig itself: each real CLI, started by the daemon as a runtime inside a loopback-only
// netns, reaches its prompt with no onboarding screen and answers a scripted turn from the stub.
const KINDS: RealAgentKind[] = ["claude", "codex", "gemini"];
const why = realAgentsUnavailable([]);

describe.skipIf(why)(`real agent rig${why ? ` (skipped: ${why})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "rig" });
  }, deadlineMs(60_000));
  afterAll(async () => rig?.close());

  it("the namespace has nothing but loopback", () => {
    const links = rig.ns.links();
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/: lo: /);
  });

  for (const kind of KINDS) {
    const missing = realAgentsUnavailable([kind]);
    it.skipIf(missing)(
      `${kind}: starts at its prompt and answers a scripted turn${missing ? ` (skipped: ${missing})` : ""}`,
      async () => {
        const name = `rig-${kind}`;
        await rig.client.call("runtime.start", { name, agent: kind, cwd: rig.workdir, cols: 100, rows: 30 });
        await waitScreenText(rig.client, name, "its prompt", READY[kind], 90_000);
        await typeAndSubmit(rig.client, name, `STUB:SAY pong-${kind}-42`);
        await waitScreenText(rig.client, name, "the stub's answer", (s) => s.split(`pong-${kind}-42`).length > 2, 90_000); // the prompt's echo, then the answer
        const api = { claude: "anthropic", codex: "openai", gemini: "gemini" }[kind];
        // the screen can show the prompt twice (input box and history) before the turn's request is logged
        await waitFor(
          `the stub to log ${kind}'s request`,
          () => rig.stub.requests().some((r) => r.api === api && r.act?.text === `pong-${kind}-42`) || null,
          30_000,
          100,
        );
        await rig.client.call("runtime.kill", { name });
      },
      deadlineMs(240_000), // its waits are scaled for a loaded host; so is its own timeout
    );
  }
});
