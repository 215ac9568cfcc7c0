import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "./runtime-helpers.js";

describe("swarmctl runtime, logs: forms, output and bad input", () => {
  let d: TestDaemon;
  const ctl = (...args: string[]) => swarmctl(d.env, args);
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("start -- COMMAND, list --json, show, screen (plain, --ansi, --json), logs, replay, stop", async () => {
    const start = await ctl(
      "runtime",
      "start",
      "one",
      "--cwd",
      d.home,
      "--json",
      "--",
      "sh",
      "-c",
      "printf 'hello \\033[31mred\\033[0m world\\n'; read x; echo got-$x; exec sleep 60",
    );
    expect(start.code, start.stderr).toBe(0);
    const rec = JSON.parse(start.stdout);
    expect(rec).toMatchObject({ name: "one", cwd: d.home, agent: "custom", management: "managed", pty_backend: "holder" });
    expect(rec.pid).toBeGreaterThan(0);

    const list = await ctl("runtime", "list", "--json");
    expect(JSON.parse(list.stdout).map((r: { name: string }) => r.name)).toContain("one");

    await waitFor("hello on screen", async () => (await ctl("runtime", "screen", "one")).stdout.includes("hello red world"));
    const ansi = await ctl("runtime", "screen", "one", "--ansi");
    expect(ansi.stdout).toMatch(/\x1b\[[0-9;]*31m/);
    const js = JSON.parse((await ctl("runtime", "screen", "one", "--json")).stdout);
    expect(js.lines[0]).toBe("hello red world");
    expect(js).toMatchObject({ cols: 120, rows: 40, alt_screen: false });
    expect(js.cursor).toEqual({ x: 0, y: 1 });

    const sent = await ctl("runtime", "send", "one", "abc");
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    await waitFor("logs to hold got-abc", async () => (await ctl("logs", "one")).stdout.includes("got-abc"));
    const logs = await ctl("logs", "one");
    expect(logs.stdout).toContain("hello red world\n");
    expect(logs.stdout).not.toContain("\x1b");
    expect((await ctl("logs", "one", "--raw")).stdout).toContain("\x1b[31mred");
    const events = (await ctl("logs", "one", "--json")).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ kind: "o" });

    const shown = await ctl("runtime", "show", "one");
    expect(shown.stdout).toMatch(/^one {2}(working|idle|waiting_input)/);
    expect(shown.stdout).toContain("recording");

    const stop = await ctl("runtime", "stop", "one", "--json");
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ state: "exited" });
    const replay = await ctl("runtime", "replay", "one", "--speed", "1000");
    expect(replay.stdout).toContain("got-abc");
    const rm = await ctl("runtime", "remove", "one");
    expect(rm.code).toBe(0);
    expect((await ctl("runtime", "show", "one")).code).toBe(3);
  }, 60_000);

  it("logs --follow prints output as it comes and returns when the runtime exits", async () => {
    await ctl("runtime", "start", "tick", "--cwd", d.home, "--", "sh", "-c", "for i in 1 2 3 4 5; do echo tick-$i; sleep 0.2; done");
    const f = await ctl("logs", "tick", "--follow");
    expect(f.code).toBe(0);
    expect(f.stdout.match(/tick-\d/g)).toEqual(["tick-1", "tick-2", "tick-3", "tick-4", "tick-5"]);
  }, 30_000);

  it("--agent without a command uses the agent's start command", async () => {
    const r = await ctl("runtime", "start", "sh1", "--agent", "shell", "--cwd", d.home, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ agent: "shell", command: ["bash", "-i"] });
    await waitFor("bash to print a prompt", async () => (await ctl("runtime", "screen", "sh1")).stdout.trim().length > 0);
    expect((await ctl("runtime", "kill", "sh1")).code).toBe(0);
  }, 30_000);

  it("bad input: clear errors and exit codes", async () => {
    const noCmd = await ctl("runtime", "start", "x");
    expect(noCmd.code).toBe(2);
    expect(noCmd.stderr).toMatch(/no command given/);
    const badName = await ctl("runtime", "start", "bad name", "--", "true");
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/names use letters/);
    const badCwd = await ctl("runtime", "start", "x", "--cwd", path.join(d.home, "nope"), "--", "true");
    expect(badCwd.code).toBe(2);
    expect(badCwd.stderr).toMatch(/does not exist/);
    const both = await ctl("runtime", "start", "x", "--cwd", d.home, "--env", "e", "--", "true");
    expect(both.code).toBe(2);
    const agent = await ctl("runtime", "start", "x", "--agent", "robot", "--", "true");
    expect(agent.code).toBe(2);
    expect(agent.stderr).toMatch(/unknown agent kind "robot"/);

    await ctl("runtime", "start", "dup", "--cwd", d.home, "--", "sleep", "30");
    const dup = await ctl("runtime", "start", "dup", "--cwd", d.home, "--", "sleep", "30");
    expect(dup.code).toBe(4);
    expect(dup.stderr).toMatch(/already exists/);
    const rmLive = await ctl("runtime", "remove", "dup");
    expect(rmLive.code).toBe(5);
    expect((await ctl("runtime", "kill", "dup", "--json")).code).toBe(0);
    // A finished name can be reused.
    const again = await ctl("runtime", "start", "dup", "--cwd", d.home, "--", "true");
    expect(again.code, again.stderr).toBe(0);

    for (const sub of ["show", "screen", "stop", "kill"]) {
      const r = await ctl("runtime", sub, "ghost");
      expect(r.code, sub).toBe(3);
      expect(r.stderr).toMatch(/no runtime named "ghost"/);
    }
    expect((await ctl("logs", "ghost")).code).toBe(3);
    const missingBin = await ctl("runtime", "start", "nobin", "--cwd", d.home, "--", "/no/such/program");
    expect(missingBin.code, missingBin.stderr).toBe(0);
    const nobin = await waitFor("nobin to exit", async () => {
      const r = JSON.parse((await ctl("runtime", "show", "nobin", "--json")).stdout) as { state: string; exit_code: number | null };
      return r.state === "exited" ? r : null;
    });
    expect(nobin.exit_code).not.toBe(0);
  }, 60_000);
});
