import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../../protocol/methods/runtime.js";
import { filesNamed, marked } from "./procs.js";
import { swarmctl, waitFor } from "../../helpers/daemon.js";
import { READY, realAgentsUnavailable, startRealAgentRig, typeAndSubmit, waitScreenText, type RealAgentRig } from "../../helpers/real-agents.js";

// Issue 11, defects 5 and 7 with the real CLIs: each runtime's exact session id is recorded
// and resumed by that id (Codex headless with `codex exec resume`, Claude Code interactive
// with `claude --resume`), and killing a real Codex leaves none of its processes behind.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const whyCodex = realAgentsUnavailable(["codex"]);
const whyClaude = realAgentsUnavailable(["claude"]);

describe.skipIf(whyCodex && whyClaude)(`real agents: session ids, resume, kill${whyCodex && whyClaude ? ` (skipped: ${whyCodex})` : ""}`, () => {
  let rig: RealAgentRig;
  beforeAll(async () => {
    rig = await startRealAgentRig({ tag: "rs" });
  }, 60_000);
  afterAll(async () => rig?.close());

  it.skipIf(whyCodex)(
    `codex: the session id comes from its session file; runtime kill leaves no codex process; resume with a prompt runs codex exec resume on that session${whyCodex ? ` (skipped: ${whyCodex})` : ""}`,
    async () => {
      const c = rig.client;
      const r = await c.call<Runtime>("runtime.start", { name: "cx", agent: "codex", cwd: rig.workdir, cols: 100, rows: 30 });
      await waitScreenText(c, "cx", "its prompt", READY.codex, 90_000);
      await typeAndSubmit(c, "cx", "STUB:SAY first-codex-turn-17");
      await waitScreenText(c, "cx", "the answer", (s) => s.split("first-codex-turn-17").length > 2, 90_000);
      const id = await waitFor(
        "codex's session id in the registry",
        async () => (await c.call<Runtime>("runtime.show", { name: "cx" })).session_id,
        30_000,
        100,
      );
      expect(id).toMatch(UUID);
      const rollouts = filesNamed(path.join(rig.agentEnv.CODEX_HOME!, "sessions"), id);
      expect(rollouts, "codex's own session file carries the recorded id").toHaveLength(1);
      const before = marked(r.id);
      expect(before.length, "codex runs under the runtime's marker").toBeGreaterThan(0);

      const killed = await swarmctl(rig.env, ["runtime", "kill", "cx"]);
      expect(killed.code, killed.stderr).toBe(0);
      expect(marked(r.id), "processes of the killed codex runtime still alive").toEqual([]);

      const res = await swarmctl(rig.env, ["runtime", "resume", "cx", "STUB:SAY resumed-codex-turn-23", "--json"]);
      expect(res.code, res.stderr).toBe(0);
      const next = JSON.parse(res.stdout);
      expect(next).toMatchObject({ session_id: id, headless: true, generation: 2, resumed_from: r.id });
      expect(next.command.slice(1, 4)).toEqual(["exec", "resume", id]);
      const done = await waitFor(
        "the headless resume to finish",
        async () => {
          const s = await c.call<Runtime>("runtime.show", { name: "cx" });
          return s.state === "exited" ? s : null;
        },
        120_000,
        200,
      );
      expect(done.exit_code).toBe(0);
      // the same session: codex appended the resumed turn to the file that holds the first one
      await waitFor(
        "the resumed turn in the session file",
        () => rollouts.some((f) => fs.readFileSync(f, "utf8").includes("resumed-codex-turn-23")),
        30_000,
        100,
      );
      expect(fs.readFileSync(rollouts[0]!, "utf8")).toContain("first-codex-turn-17");
      expect(rig.stub.requests().some((q) => q.api === "openai" && q.act?.text === "resumed-codex-turn-23")).toBe(true);
    },
    300_000,
  );

  it.skipIf(whyClaude)(
    `claude: the session id is pinned with --session-id; runtime resume continues it with claude --resume${whyClaude ? ` (skipped: ${whyClaude})` : ""}`,
    async () => {
      const c = rig.client;
      const r = await c.call<Runtime>("runtime.start", { name: "cl", agent: "claude", cwd: rig.workdir, cols: 100, rows: 30 });
      expect(r.session_id).toMatch(UUID);
      expect(r.command).toEqual(expect.arrayContaining(["--session-id", r.session_id]));
      await waitScreenText(c, "cl", "its prompt", READY.claude, 90_000);
      await typeAndSubmit(c, "cl", "STUB:SAY first-claude-turn-31");
      await waitScreenText(c, "cl", "the answer", (s) => s.split("first-claude-turn-31").length > 2, 90_000);
      const files = await waitFor(
        "claude's session file named by the id",
        () => {
          const f = filesNamed(path.join(rig.agentEnv.HOME!, ".claude"), `${r.session_id}.jsonl`);
          return f.length ? f : null;
        },
        30_000,
        100,
      );
      await c.call("runtime.stop", { name: "cl", timeout_ms: 5000 });
      expect(marked(r.id)).toEqual([]);

      const res = await swarmctl(rig.env, ["runtime", "resume", "cl", "STUB:SAY resumed-claude-turn-37", "--json"]);
      expect(res.code, res.stderr).toBe(0);
      const next = JSON.parse(res.stdout);
      expect(next).toMatchObject({ session_id: r.session_id, headless: false, generation: 2 });
      expect(next.command.slice(1, 3)).toEqual(["--resume", r.session_id]);
      // the resumed conversation shows the earlier turn and answers the new one
      await waitScreenText(c, "cl", "the resumed answer", (s) => s.includes("resumed-claude-turn-37") && s.split("resumed-claude-turn-37").length > 2, 120_000);
      await waitFor("the resumed turn in the same session file", () => fs.readFileSync(files[0]!, "utf8").includes("resumed-claude-turn-37"), 30_000, 100);
      expect(fs.readFileSync(files[0]!, "utf8")).toContain("first-claude-turn-31");
      await c.call("runtime.kill", { name: "cl" });
    },
    300_000,
  );
});
