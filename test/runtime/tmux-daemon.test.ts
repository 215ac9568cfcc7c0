import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, killAll, show, waitScreen } from "./runtime-helpers.js";
import { FAKE_AGENT_RULES as RULES } from "../fixtures/fake-agent-rules.js";

/** The daemon wired to tmux (R-R6): managed sessions on swarm's own socket, observed panes on a private one. */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
// The user's pane for the observe test lives on its own private server, never the default one.
const USER_SOCKET = `swarm-obs-${process.pid}`;
const userTmux = (...args: string[]) => execFileSync("tmux", ["-L", USER_SOCKET, ...args], { encoding: "utf8" });

interface Ev {
  type: string;
  subject: string;
  data: { state?: string; why?: string };
}

async function events(c: RpcClient, subject: string, types: string[]): Promise<Ev[]> {
  const r = await c.call<{ events: Ev[] }>("event.list", { since: 0, types, limit: 1000 });
  return r.events.filter((e) => e.subject === subject);
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

describe.skipIf(!hasTmux)("tmux backend in the daemon", () => {
  let d: TestDaemon;
  let c: RpcClient;
  beforeAll(async () => {
    d = await startDaemon();
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    spawnSync("tmux", ["-S", path.join(d.paths.runDir, "tmux.sock"), "kill-server"]);
    spawnSync("tmux", ["-L", USER_SOCKET, "kill-server"]);
  });

  it("starts an agent in a tmux session, delivers 20 messages (0 lost, 0 merged), follows its state, survives kill -9 of the daemon", async () => {
    const log = path.join(d.home, "tm.log");
    const cli = await swarmctl(d.env, [
      "runtime",
      "start",
      "tm-cli",
      "--backend",
      "tmux",
      "--cwd",
      d.home,
      "--json",
      "--",
      FAKE_AGENT,
      "--banner",
      "cli-banner",
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ name: "tm-cli", pty_backend: "tmux", management: "managed", holder_pid: null });
    await waitScreen(c, "tm-cli", "its banner", (t) => t.includes("cli-banner"));
    const bad = await swarmctl(d.env, ["runtime", "start", "tm-bad", "--backend", "screen", "--", "true"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown backend "screen"/);

    const started = await c.call<Runtime>("runtime.start", {
      name: "tm",
      command: [FAKE_AGENT, "--work-ms", "30", "--log", log],
      cwd: d.home,
      agent: "custom",
      detector: RULES,
      backend: "tmux",
      cols: 100,
      rows: 30,
    });
    expect(started).toMatchObject({ pty_backend: "tmux", management: "managed", cols: 100, rows: 30 });
    expect(started.pid).toBeGreaterThan(0);
    await waitFor("tm idle", async () => (await show(c, "tm")).state === "idle", 10_000);

    const sent = Array.from({ length: 20 }, (_, i) => `message ${i} with "quotes" and $HOME`);
    for (const text of sent) {
      const r = await c.call<{ status: string; why: string }>("runtime.send", { name: "tm", text });
      expect(r.status, r.why).toBe("delivered");
    }
    await waitFor("20 messages logged", () => lines(log).length >= 20, 20_000);
    expect(lines(log)).toEqual(sent);
    await waitScreen(c, "tm", "done: 20", (t) => t.includes("done: 20"), 10_000);
    const scr = await swarmctl(d.env, ["runtime", "screen", "tm"]);
    expect(scr.stdout).toContain("received: message 19");
    const states = (await events(c, "tm", ["runtime.state"])).map((e) => e.data.state);
    expect(states).toEqual(expect.arrayContaining(["idle", "working"]));

    // kill -9: tmux keeps the agent; the restarted daemon picks it up again and can still deliver
    await d.kill();
    d = await d.restart();
    c = await d.client();
    const adopted = await show(c, "tm");
    expect(adopted.state, adopted.why).not.toMatch(/exited|lost/);
    expect((await events(c, "tm", ["runtime.adopted"])).length).toBe(1);
    await waitScreen(c, "tm", "the old screen", (t) => t.includes("received: message 19"));
    const again = await c.call<{ status: string }>("runtime.send", { name: "tm", text: "after restart" });
    expect(again.status).toBe("delivered");
    await waitFor("logged after restart", () => lines(log).at(-1) === "after restart", 10_000);
    expect(lines(log)).toHaveLength(21);
    await waitFor("tm idle after restart", async () => (await show(c, "tm")).state === "idle", 10_000);
    const list = await swarmctl(d.env, ["runtime", "list", "--json"]);
    expect(JSON.parse(list.stdout).find((r: Runtime) => r.name === "tm")).toMatchObject({ pty_backend: "tmux", management: "managed" });
  }, 90_000);

  it("health: an exit is recorded with its status, kill waits for the exit, a vanished session is lost", async () => {
    await c.call("runtime.start", { name: "quits", command: [FAKE_AGENT, "--exit-code", "3"], cwd: d.home, backend: "tmux" });
    await waitScreen(c, "quits", "prompt", (t) => t.includes("fake-agent ready"));
    await c.call("runtime.send", { name: "quits", text: "/exit", confirm_timeout_ms: 0 });
    const q = await waitFor(
      "quits exited",
      async () => {
        const r = await show(c, "quits");
        return r.state === "exited" ? r : null;
      },
      10_000,
    );
    // tmux 3.3a now and then reaps a child without recording its status (see docs/agents.md)
    expect([3, null]).toContain(q.exit_code);
    expect(q.why).toMatch(/tmux: pane dead/);
    // the dead pane stays readable; sending to it is refused
    expect((await c.call<{ lines: string[] }>("runtime.screen", { name: "quits" })).lines.join("\n")).toContain("bye");
    await expect(c.call("runtime.send", { name: "quits", text: "hi" })).rejects.toThrow(/has exited/);

    const killed = await c.call<Runtime>("runtime.kill", { name: "tm-cli" });
    expect(killed).toMatchObject({ state: "exited", exit_code: null, exit_signal: 9 });
    const stopped = await swarmctl(d.env, ["runtime", "stop", "tm", "--json"]);
    // the fake agent exits 143 on SIGTERM (tmux 3.3a now and then misses a status, see above)
    const st = JSON.parse(stopped.stdout) as Runtime;
    expect(st.state).toBe("exited");
    expect([143, null]).toContain(st.exit_code);

    const gone = await c.call<Runtime>("runtime.start", { name: "gone", command: ["sleep", "300"], cwd: d.home, backend: "tmux" });
    spawnSync("tmux", ["-S", path.join(d.paths.runDir, "tmux.sock"), "kill-session", "-t", `=${gone.target}`]);
    const lost = await waitFor(
      "gone lost",
      async () => {
        const r = await show(c, "gone");
        return r.state === "lost" ? r : null;
      },
      10_000,
    );
    expect(lost.why).toMatch(/tmux session is gone/);
    await c.call("runtime.remove", { name: "quits" });
    await expect(show(c, "quits")).rejects.toThrow(/no runtime named/);
  }, 60_000);

  it("observes an existing pane read-only: screen and state readable, send and kill refused, the pane untouched", async () => {
    const log = path.join(d.home, "user.log");
    userTmux("new-session", "-d", "-s", "mine", "-x", "80", "-y", "24", process.execPath, FAKE_AGENT, "--banner", "users-own-agent", "--log", log);
    await waitFor("user's agent prompt", () => userTmux("capture-pane", "-p", "-t", "mine").includes("users-own-agent"));

    const missing = await swarmctl(d.env, ["runtime", "observe", "nope", "--tmux-target", "no-such", "-L", USER_SOCKET]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no tmux pane "no-such"/);

    const obs = await swarmctl(d.env, ["runtime", "observe", "obs", "--tmux-target", "mine", "-L", USER_SOCKET, "--json"]);
    expect(obs.code, obs.stderr).toBe(0);
    expect(JSON.parse(obs.stdout)).toMatchObject({ name: "obs", management: "unmanaged", pty_backend: "tmux", target: "mine" });
    await waitScreen(c, "obs", "the user's banner", (t) => t.includes("users-own-agent"));
    // an observed pane is picked up again after a daemon crash, like a managed one
    await d.kill();
    d = await d.restart();
    c = await d.client();
    expect((await show(c, "obs")).state).not.toMatch(/exited|lost/);
    await waitScreen(c, "obs", "the user's banner after restart", (t) => t.includes("users-own-agent"));
    const idle = await waitFor(
      "obs idle by fallback detector",
      async () => {
        const r = await show(c, "obs");
        return r.state === "idle" ? r : null;
      },
      10_000,
    );
    expect(idle.why).toMatch(/quiet/);

    const before = userTmux("capture-pane", "-p", "-t", "mine");
    const send = await swarmctl(d.env, ["runtime", "send", "obs", "hello"]);
    expect(send.code).toBe(6);
    expect(send.stderr).toMatch(/obs is unmanaged/);
    await expect(c.call("runtime.kill", { name: "obs" })).rejects.toThrow(/unmanaged/);
    await expect(c.call("runtime.input", { name: "obs", data: "x" })).rejects.toThrow(/unmanaged/);
    expect(userTmux("capture-pane", "-p", "-t", "mine")).toBe(before);
    expect(lines(log)).toEqual([]);

    // forgetting an observed pane leaves it running; observe it again to watch it go away
    await c.call("runtime.remove", { name: "obs" });
    expect(userTmux("display-message", "-p", "-t", "mine", "#{pane_dead}").trim()).toBe("0");
    await c.call("runtime.observe", { name: "obs", target: "mine", socket_name: USER_SOCKET });

    // a name whose runtime ended can be reused by observe (its old record is dropped, not duplicated)
    await c.call("runtime.start", { name: "reused", command: ["true"], cwd: d.home });
    await waitFor("reused to exit", async () => (await show(c, "reused")).state === "exited");
    const again = await c.call<{ name: string; pty_backend: string }>("runtime.observe", { name: "reused", target: "mine", socket_name: USER_SOCKET });
    expect(again).toMatchObject({ name: "reused", pty_backend: "tmux" });
    await c.call("runtime.remove", { name: "reused" });

    // the user closes their session: the observed runtime is lost, nothing else happens
    userTmux("kill-session", "-t", "=mine");
    const lost = await waitFor(
      "obs lost",
      async () => {
        const r = await show(c, "obs");
        return r.state === "lost" ? r : null;
      },
      10_000,
    );
    expect(lost.why).toMatch(/observed tmux pane is gone/);
  }, 60_000);
});
