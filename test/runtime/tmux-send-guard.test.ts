import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT_RULES } from "../fixtures/fake-agent-rules.js";
import { FAKE_AGENT, killAll, show, waitScreen } from "./runtime-helpers.js";

/**
 * `runtime send` to a tmux runtime refuses like a holder runtime does (issue 11, defect 2):
 * over a draft in the agent's input line (a dim suggestion is none) and within the quiet
 * window after a person typed in an attached tmux client; CONFLICT, exit 4, nothing written;
 * `--force` goes over both. Also at an approval prompt. The agent is the fake agent in tmux.
 */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
type SendRes = { status: string; why: string; forced?: { draft?: string; human_ms?: number } };
const lines = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean) : []);

describe.skipIf(!hasTmux)("runtime send to a tmux runtime: draft, quiet window, approval", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let sock: string;
  const tmux = (...a: string[]) => execFileSync("tmux", ["-S", sock, ...a], { encoding: "utf8" });
  beforeAll(async () => {
    d = await startDaemon();
    c = await d.client();
    sock = path.join(d.paths.runDir, "tmux.sock");
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    spawnSync("tmux", ["-S", sock, "kill-server"]);
  });

  async function start(name: string, args: string[]): Promise<{ target: string; log: string }> {
    const log = path.join(d.home, `${name}.log`);
    const r = await c.call<Runtime>("runtime.start", {
      name,
      backend: "tmux",
      agent: "custom",
      detector: FAKE_AGENT_RULES,
      cwd: d.home,
      command: [FAKE_AGENT, "--log", log, ...args],
    });
    await waitFor(`${name} idle`, async () => (await show(c, name)).state === "idle", 15_000);
    return { target: r.target!, log };
  }

  it("over a draft: CONFLICT (exit 4), the draft intact; a dim suggestion is no draft; --force goes over it", async () => {
    const { target, log } = await start("tg-draft", ["--work-ms", "0", "--suggest", "run the tests"]);
    const ok = await c.call<SendRes>("runtime.send", { name: "tg-draft", text: "over the suggestion" });
    expect(ok.status, ok.why).toBe("delivered");
    await waitFor("the first message logged", () => lines(log).length === 1);
    expect(lines(log)).toEqual(["over the suggestion"]);
    await waitScreen(c, "tg-draft", "the suggestion back", (t) => /^> run the tests$/m.test(t));

    // typed into the pane (send-keys is not a person at a client: only the draft check applies)
    tmux("send-keys", "-t", target, "-l", "my half-written dra");
    await waitScreen(c, "tg-draft", "the draft", (t) => t.includes("> my half-written dra"));
    const r = await swarmctl(d.env, ["runtime", "send", "tg-draft", "hello"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/input line holds text that is not ours \("my half-written dra"\); nothing was sent/);
    expect(r.stderr).toMatch(/--force/);
    const screen = tmux("capture-pane", "-p", "-t", target);
    expect(screen).toMatch(/^> my half-written dra$/m);
    expect(lines(log)).toHaveLength(1);

    const forced = await c.call<SendRes>("runtime.send", { name: "tg-draft", text: "ft", force: true });
    expect(forced.status, forced.why).toBe("delivered");
    expect(forced.forced?.draft).toBe("my half-written dra");
    await waitFor("the forced message logged", () => lines(log).length === 2);
    expect(lines(log)[1]).toBe("my half-written draft");
  });

  it("within the quiet window after a person typed in an attached tmux client: CONFLICT (exit 4); --force delivers", async () => {
    const { target, log } = await start("tg-human", ["--work-ms", "0"]);
    const session = target;
    const client = pty.spawn("tmux", ["-S", sock, "attach", "-t", `=${session}`], { cols: 100, rows: 30, env: { ...process.env, TERM: "xterm-256color" } });
    try {
      const created = await waitFor("the client attached", () => {
        const out = tmux("list-clients", "-t", `=${session}`, "-F", "#{client_created}").trim();
        return out ? Number(out.split("\n")[0]) : null;
      });
      // an attach alone is no typing: a send goes through
      const before = await c.call<SendRes>("runtime.send", { name: "tg-human", text: "before any typing" });
      expect(before.status, before.why).toBe("delivered");
      // tmux stamps activity in whole seconds: type once the clock has left the attach's second
      await waitFor("a second after the attach", () => Math.floor(Date.now() / 1000) > created, 3000, 20);
      client.write("x");
      await waitScreen(c, "tg-human", "the typed key", (t) => /^> x$/m.test(t));
      client.write("\x7f"); // and rubbed out: the input line is empty again, only the typing is recent
      await waitScreen(c, "tg-human", "the key rubbed out", (t) => /^> ?$/m.test(t));
      const r = await swarmctl(d.env, ["runtime", "send", "tg-human", "while you type"]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/a person typed into it \d+ s ago \(quiet window 20000 ms\); nothing was sent/);
      expect(lines(log)).toEqual(["before any typing"]);
      const forced = await c.call<SendRes>("runtime.send", { name: "tg-human", text: "forced through", force: true });
      expect(forced.status, forced.why).toBe("delivered");
      expect(forced.forced?.human_ms).toBeGreaterThanOrEqual(0);
      expect(forced.forced?.human_ms).toBeLessThan(20_000);
      await waitFor("the forced message logged", () => lines(log).length === 2);
      expect(lines(log)[1]).toBe("forced through");
    } finally {
      client.kill();
    }
  });

  it("at an approval prompt: CONFLICT (exit 4) naming the question, nothing typed", async () => {
    const { target, log } = await start("tg-ask", ["--work-ms", "0", "--approval"]);
    await c.call<SendRes>("runtime.send", { name: "tg-ask", text: "do it" });
    await waitFor("asking approval", async () => (await show(c, "tg-ask")).state === "asking_approval", 10_000);
    const r = await swarmctl(d.env, ["runtime", "send", "tg-ask", "yes please"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/asking_approval \("Allow\? \(y\/n\)"\)/);
    expect(tmux("capture-pane", "-p", "-t", target)).not.toContain("yes please");
    expect(lines(log)).toEqual(["do it"]);
  });
});
