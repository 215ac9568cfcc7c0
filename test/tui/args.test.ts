import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { notification, notifyMode, watchNeedsYou } from "../../tui/conn/notify.js";
import { createStore } from "../../tui/state/store.js";
import { approval, seed } from "./fixtures.js";
import { waitFor } from "../helpers/daemon.js";
import { parseTuiArgs } from "../../tui/main.js";
import { ROOT } from "../helpers/daemon.js";

describe("swarm arguments", () => {
  it("parses the TUI's flags and names what is wrong", () => {
    expect(parseTuiArgs([])).toEqual({ help: false, autostart: true });
    expect(parseTuiArgs(["tui", "--no-autostart", "--view", "threads", "--focus", "a1", "--notify", "osc9"])).toEqual({
      help: false,
      autostart: false,
      view: "threads",
      focus: "a1",
      notify: "osc9",
    });
    expect(parseTuiArgs(["--view", "nope"])).toEqual({ error: expect.stringContaining("--view nope: not a view (one of agents, tickets") });
    expect(parseTuiArgs(["--notify", "loud"])).toEqual({ error: "--notify loud: one of off, bell, osc9" });
    expect(parseTuiArgs(["extra"])).toEqual({ error: "unknown argument extra" });
  });

  it("bin/swarm.js: --help prints the usage, a bad flag exits 64, no terminal exits 2", () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin/swarm.js"), ...a], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: swarm [tui]");
    const bad = run("--bogus");
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain("swarm: Unknown option '--bogus'");
    const piped = run();
    expect(piped.status).toBe(2);
    expect(piped.stderr).toContain("the TUI needs a terminal");
  });
});

describe("needs-you notifications", () => {
  it("only when something new needs you: a bell, or an OSC 9 naming it", () => {
    expect(notification(0, 1, "bell", "ap-1")).toBe("\x07");
    expect(notification(1, 2, "osc9", "a1 waiting_input")).toBe("\x1b]9;swarm: 2 thing(s) need you: a1 waiting_input\x07");
    expect(notification(2, 1, "bell", "x")).toBe("");
    expect(notification(0, 3, "off", "x")).toBe("");
  });

  it("the mode is --notify when given, else the daemon's tui.notify once connected; a new approval then rings", async () => {
    const store = createStore();
    const asked: string[] = [];
    const fromConfig = notifyMode(store, async () => (asked.push("tui.notify"), "bell"), undefined);
    const given = notifyMode(store, async () => "bell", "osc9");
    const bad = notifyMode(store, async () => "loud", undefined);
    expect([fromConfig(), given()]).toEqual(["off", "osc9"]);
    const written: string[] = [];
    const stop = watchNeedsYou(store, fromConfig, (s) => void written.push(s));
    store.dispatch({ type: "conn/connected", daemon: null as never, missing: [] });
    await waitFor("tui.notify read", () => fromConfig() === "bell");
    expect(asked).toEqual(["tui.notify"]);
    expect([given(), bad()]).toEqual(["osc9", "off"]);
    seed(store, { approvals: [approval("ap-1")] });
    expect(written).toEqual(["\x07"]);
    stop();
  });
});
