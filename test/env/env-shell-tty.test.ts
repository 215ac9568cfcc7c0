import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWARMCTL, waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

/** A real terminal: `env shell` inside a tmux pane, driven with send-keys and read with capture-pane. */
const NO_TMUX = spawnSync("tmux", ["-V"]).status !== 0;
const SOCK = `swarm-env-shell-${process.pid}`;

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
  expect((await w.ctl(["env", "create", "tty", "--repo", w.repo])).code).toBe(0);
});
afterAll(async () => {
  spawnSync("tmux", ["-L", SOCK, "kill-server"]);
  await w?.dispose();
});

const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCK, ...args], { env: w.d.env }).toString();
const screen = () => tmux("capture-pane", "-p", "-t", "s");

describe("env shell on a real terminal", () => {
  it.skipIf(NO_TMUX)("raw mode, the terminal's size and resizes reach the shell; exit code comes back", async () => {
    const exitFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "swarm-tty-")), "exit");
    const cmd = `${process.execPath} ${SWARMCTL} --no-autostart env shell tty -- sh -c 'echo READY; exec sh'; echo $? > ${exitFile}`;
    tmux("new-session", "-d", "-s", "s", "-x", "100", "-y", "30", cmd);
    // type only once the shell inside runs (a loaded CI machine can take seconds to get there)
    await waitFor("the shell inside to start", () => /^READY$/m.test(screen()), 30_000, 50);
    tmux("send-keys", "-t", "s", "stty size; echo in-$((40+2))", "Enter");
    await waitFor("the shell to report 30 100", () => /^30 100$/m.test(screen()) && /^in-42$/m.test(screen()), 30_000, 50);
    tmux("resize-window", "-t", "s", "-x", "120", "-y", "40");
    // the resize travels tmux → swarmctl → daemon → the env's terminal while the command is
    // typed: ask again until it has arrived (on a loaded host the first stty can run before)
    await waitFor(
      "the shell to see the resize to 40 120",
      () => {
        if (/^40 120$/m.test(screen())) return true;
        tmux("send-keys", "-t", "s", "clear; stty size", "Enter");
        return false;
      },
      30_000,
      500,
    );
    // raw mode: Ctrl-C goes to the shell inside, not to swarmctl
    tmux("send-keys", "-t", "s", "sh -c 'echo sleep-$((1+1)); exec sleep 30'", "Enter");
    // the child is the terminal's foreground process group once it prints
    await waitFor("the child to run", () => /^sleep-2$/m.test(screen()), 30_000, 50);
    tmux("send-keys", "-t", "s", "C-c");
    tmux("send-keys", "-t", "s", "echo still-here", "Enter");
    await waitFor("the shell to survive Ctrl-C", () => /^still-here$/m.test(screen()), 30_000, 50);
    tmux("send-keys", "-t", "s", "exit 7", "Enter");
    const code = await waitFor("swarmctl to exit", () => fs.existsSync(exitFile) && fs.readFileSync(exitFile, "utf8").trim(), 30_000, 50);
    expect(code).toBe("7");
  });
});
