import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADAPTERS } from "../../daemon/runtime/adapters/index.js";
import { fakeAgentAdapter } from "../fixtures/fake-agent-rules.js";
import {
  ManagedTmuxSession,
  TmuxPaneObserver,
  TmuxServer,
  execTmux,
  findManagedSession,
  startManagedSession,
  type TmuxRunner,
} from "../../daemon/runtime/tmux/index.js";
import { SwarmError } from "../../protocol/errors.js";
import { waitFor } from "../helpers/daemon.js";
import { FAKE_AGENT } from "./runtime-helpers.js";

const hasTmux = (() => {
  try {
    execFileSync("tmux", ["-V"]);
    return true;
  } catch {
    return false;
  }
})();

const servers: TmuxServer[] = [];
function privateServer(): TmuxServer {
  const s = new TmuxServer({ socket: { name: `swarm-test-${process.pid}-${servers.length}` } });
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.kill().catch(() => undefined);
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-tmux-"));
const fake = (...args: string[]) => [process.execPath, FAKE_AGENT, ...args];

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<SwarmError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(SwarmError);
    return e as SwarmError;
  }
  throw new Error("expected an error");
}

describe("tmux argv (recording runner)", () => {
  it("starts with a placeholder, sets remain-on-exit, then respawns the agent with cwd and env", async () => {
    const calls: string[][] = [];
    const runner: TmuxRunner = async (argv) => {
      calls.push(argv);
      if (argv.includes("has-session")) return { stdout: "", stderr: "can't find session", code: 1 };
      return { stdout: "%7\n", stderr: "", code: 0 };
    };
    const server = new TmuxServer({ socket: { name: "swarm-x" }, runner });
    const s = await startManagedSession(server, { name: "agent-1", argv: ["claude", "--resume", "id 1"], cwd: "/w", env: { A: "1" }, cols: 100, rows: 30 });
    expect(s.target).toBe("%7");
    expect(calls[1]).toEqual([
      "-L",
      "swarm-x",
      "new-session",
      "-d",
      "-s",
      "agent-1",
      "-x",
      "100",
      "-y",
      "30",
      "-P",
      "-F",
      "#{pane_id}",
      "sleep 2147483647",
      ";",
      "set-option",
      "-w",
      "-t",
      "=agent-1:",
      "remain-on-exit",
      "on",
      ";",
      "respawn-pane",
      "-k",
      "-t",
      "=agent-1:",
      "-c",
      "/w",
      "-e",
      "A=1",
      "claude",
      "--resume",
      "id 1",
    ]);
    // a one-word command goes through sh -c inside tmux, so it is quoted to stay one word
    calls.length = 0;
    await startManagedSession(server, { name: "agent-2", argv: ["/opt/my agent"] });
    expect(calls[1]!.at(-1)).toBe("'/opt/my agent'");
  });

  it("delivers with load-buffer, paste-buffer -p, then Enter as its own send-keys", async () => {
    const calls: Array<[string[], string | undefined]> = [];
    const runner: TmuxRunner = async (argv, input) => {
      calls.push([argv, input]);
      return { stdout: argv.includes("capture-pane") ? `screen ${calls.length}\n` : "", stderr: "", code: 0 };
    };
    const server = new TmuxServer({ socket: { path: "/tmp/s.sock" }, runner });
    const managed = new ManagedTmuxSession(server, "agent", "%3");
    const r = await managed.send("two\nlines", { enterDelayMs: 1 });
    expect(r.result).toBe("delivered");
    const verbs = calls.map(([a]) => a[2]);
    expect(verbs).toEqual(["load-buffer", "paste-buffer", "capture-pane", "send-keys", "capture-pane"]);
    expect(calls[0]![1]).toBe("two\nlines");
    expect(calls[1]![0]).toEqual(["-S", "/tmp/s.sock", "paste-buffer", "-p", "-r", "-d", "-b", calls[0]![0][4], "-t", "%3"]);
    expect(calls[3]![0]).toEqual(["-S", "/tmp/s.sock", "send-keys", "-t", "%3", "Enter"]);
  });

  it("presses Enter once more per retryEnter while the screen does not change", async () => {
    const enters: string[][] = [];
    const runner: TmuxRunner = async (argv) => {
      if (argv.includes("send-keys")) enters.push(argv);
      return { stdout: argv.includes("capture-pane") ? "frozen\n" : "", stderr: "", code: 0 };
    };
    const s = new ManagedTmuxSession(new TmuxServer({ socket: { name: "swarm-x" }, runner }), "a", "%1");
    expect((await s.send("hi", { enterDelayMs: 1, confirmTimeoutMs: 50, retryEnter: 2 })).result).toBe("not_confirmed");
    expect(enters.length).toBe(3);
  });

  it("rejects bad names, the user's default server, empty commands and a missing tmux", async () => {
    const server = new TmuxServer({ socket: { name: "swarm-never-started" }, runner: async () => ({ stdout: "", stderr: "", code: 1 }) });
    expect((await errorOf(startManagedSession(server, { name: "a.b", argv: ["x"] }))).message).toMatch(/"\." is not allowed/);
    expect((await errorOf(startManagedSession(server, { name: "../x", argv: ["x"] }))).kind).toBe("INVALID_ARGUMENT");
    expect((await errorOf(startManagedSession(server, { name: "ok", argv: [] }))).message).toMatch(/no command/);
    expect((await errorOf(startManagedSession(new TmuxServer({ socket: "default" }), { name: "ok", argv: ["x"] }))).kind).toBe("PERMISSION_DENIED");
    expect((await errorOf(new TmuxServer({ socket: "default" }).kill())).kind).toBe("PERMISSION_DENIED");
    const missing = await errorOf(execTmux("tmux-not-installed-here")(["-V"]));
    expect(missing.kind).toBe("UNAVAILABLE");
    expect(missing.hint).toMatch(/install tmux/);
  });
});

describe.skipIf(!hasTmux)("tmux with the real fake agent", () => {
  it("delivers 100 messages, multi-line ones included: 0 lost, 0 merged, in order", async () => {
    const server = privateServer();
    const log = path.join(tmp, "deliveries.log");
    const s = await startManagedSession(server, { name: "deliver", argv: fake("--work-ms", "5", "--log", log), cols: 100, rows: 30 });
    await waitFor("fake agent idle", async () => (await s.detect(fakeAgentAdapter)).state === "idle");
    const sent: string[] = [];
    for (let i = 0; i < 100; i++) {
      const msg = i % 10 === 0 ? `message ${i}\nsecond line of ${i}` : `message ${i} with "quotes" and $dollars`;
      sent.push(msg.replace(/\n/g, "\\n"));
      const r = await s.send(msg, { enterDelayMs: 10 });
      expect(r.result).toBe("delivered");
    }
    await waitFor("100 log lines", () => fs.existsSync(log) && fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length >= 100, 20_000);
    await waitFor("agent idle again", async () => (await s.detect(fakeAgentAdapter)).state === "idle");
    expect(fs.readFileSync(log, "utf8").split("\n").filter(Boolean)).toEqual(sent);
  });

  it("tracks working, approval and idle, and reports the exit status after /exit", async () => {
    const server = privateServer();
    const s = await startManagedSession(server, { name: "approve", argv: fake("--work-ms", "1500", "--approval", "--exit-code", "7"), cols: 80, rows: 24 });
    await waitFor("idle", async () => (await s.detect(fakeAgentAdapter)).state === "idle");
    await s.send("deploy it", { confirmTimeoutMs: 0 });
    const seen = new Set<string>();
    await waitFor("asking approval", async () => {
      const d = await s.detect(fakeAgentAdapter);
      seen.add(d.state);
      return d.state === "asking_approval";
    });
    expect(seen.has("working")).toBe(true);
    await s.sendKeys("y");
    await waitFor("approved and idle", async () => (await s.capture()).includes("approved") && (await s.detect(fakeAgentAdapter)).state === "idle");
    await s.send("/exit");
    // tmux sees the pty close before it reaps the child, so the status can lag pane_dead; and
    // tmux 3.3a sometimes never records it (6 of 90 exits with 6 loops in parallel): then it stays null
    await waitFor("pane dead", async () => (await s.health()).paneDead);
    const h = await waitFor(
      "exit status",
      async () => {
        const x = await s.health();
        return x.exitStatus !== null ? x : null;
      },
      3000,
    ).catch(() => s.health());
    expect(h).toMatchObject({ exists: true, paneDead: true, pidAlive: false });
    expect([7, null]).toContain(h.exitStatus);
    const d = await s.detect(fakeAgentAdapter);
    expect(d.state).toBe("exited");
  });

  it("health-checks pane and process: a killed agent is seen dead, a killed session is gone", async () => {
    const server = privateServer();
    const s = await startManagedSession(server, { name: "health", argv: fake(), cols: 80, rows: 24 });
    // right after the respawn the pane's command is still the forked tmux child
    const alive = await waitFor("agent running", async () => {
      const h = await s.health();
      return h.command === "node" ? h : null;
    });
    expect(alive).toMatchObject({ exists: true, paneDead: false, pidAlive: true, command: "node" });
    process.kill(alive.pid!, "SIGKILL");
    await waitFor("pane dead after SIGKILL", async () => (await s.health()).paneDead);
    expect((await s.health()).pidAlive).toBe(false);
    await s.kill();
    expect(await s.health()).toMatchObject({ exists: false, pidAlive: false });
    expect((await s.detect(ADAPTERS.custom)).state).toBe("exited");
    expect((await errorOf(s.capture())).kind).toBe("NOT_FOUND");
  });

  it("refuses a second session with the same name and finds the first again by name", async () => {
    const server = privateServer();
    const first = await startManagedSession(server, { name: "dup", argv: fake() });
    expect((await errorOf(startManagedSession(server, { name: "dup", argv: fake() }))).kind).toBe("CONFLICT");
    const again = await findManagedSession(server, "dup");
    expect(again?.target).toBe(first.target);
    expect(await findManagedSession(server, "nope")).toBeNull();
  });

  it("observes an existing pane read-only, as an unmanaged runtime", async () => {
    const server = privateServer();
    // someone else's pane: created with plain tmux, not through our adapter
    await server.run([
      "new-session",
      "-d",
      "-s",
      "theirs",
      "-x",
      "80",
      "-y",
      "24",
      [process.execPath, FAKE_AGENT, "--work-ms", "600"].map((a) => `'${a}'`).join(" "),
    ]);
    const before = await server.run(["show-options", "-w", "-t", "theirs:", "remain-on-exit"]).catch(() => "");
    const obs = new TmuxPaneObserver(server, "theirs:");
    await waitFor("observed idle", async () => (await obs.detect(fakeAgentAdapter)).state === "idle");
    await server.run(["send-keys", "-t", "theirs:", "-l", "from the human"]);
    await server.run(["send-keys", "-t", "theirs:", "Enter"]);
    await waitFor("observed working", async () => (await obs.detect(fakeAgentAdapter)).state === "working");
    await waitFor("observed idle again", async () => (await obs.detect(fakeAgentAdapter)).state === "idle");
    expect(await obs.capture()).toContain("received: from the human");
    expect((await obs.health()).pidAlive).toBe(true);
    // observing changed nothing on the pane
    expect(await server.run(["show-options", "-w", "-t", "theirs:", "remain-on-exit"]).catch(() => "")).toBe(before);
    expect("send" in obs).toBe(false);
    // discovery: the pane shows up in the server's pane list with its process
    const listed = (await server.listPanes()).find((p) => p.session === "theirs");
    expect(listed).toMatchObject({ dead: false, command: "node", cols: 80, rows: 24 });
    expect(listed!.pid).toBe((await obs.health()).pid);
  });

  it("reports not_confirmed when the screen does not react; an empty message is a bare Enter", async () => {
    const server = privateServer();
    // `cat` with echo off: nothing on screen changes when it reads a line
    const s = await startManagedSession(server, { name: "mute", argv: ["sh", "-c", "stty -echo; printf ready; cat >/dev/null"], cols: 40, rows: 5 });
    await waitFor("ready", async () => (await s.capture()).includes("ready"));
    const r = await s.send("hello", { confirmTimeoutMs: 300, retryEnter: 1 });
    expect(r).toEqual({ result: "not_confirmed", why: "screen unchanged 300 ms after Enter" });
    // an empty message is a bare Enter (tmux cannot load an empty buffer)
    const sh = await startManagedSession(server, { name: "empty", argv: ["bash", "--norc", "-i"], env: { PS1: "$ " }, cols: 40, rows: 5 });
    await waitFor("prompt", async () => (await sh.capture()).includes("$"));
    expect((await sh.send("")).result).toBe("delivered");
    await waitFor("two prompts", async () => ((await sh.capture()).match(/\$/g) ?? []).length >= 2);
  });

  it("a shell in tmux: the shell detector sees a prompt, then a running command", async () => {
    const server = privateServer();
    const s = await startManagedSession(server, { name: "sh", argv: ["bash", "--norc", "-i"], env: { PS1: "$ " }, cols: 80, rows: 24 });
    await waitFor("prompt", async () => (await s.capture()).includes("$"));
    await s.send("sleep 30", { confirmTimeoutMs: 0 });
    // quiet with the cursor at a line start and no prompt: a silent command runs
    await waitFor("working", async () => {
      const d = await s.detect(ADAPTERS.shell);
      return d.state === "working" && d.why.includes("silent") && d;
    });
    await s.sendKeys("C-c");
    await waitFor("idle at the prompt again", async () => (await s.detect(ADAPTERS.shell)).state === "idle");
  });
});
