import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const sock = `swarm-tui-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", sock, ...args], { encoding: "utf8" });
let d: TestDaemon | undefined;

afterAll(async () => {
  tmux("kill-server");
  await d?.stop();
});

describe.skipIf(!hasTmux)("TUI in a real terminal (tmux)", () => {
  it("shows the daemon, streams live events, survives a daemon restart, quits on q", async () => {
    d = await startDaemon();
    // CI=true as in CI jobs: the TUI must still render live on a terminal.
    const envArgs = Object.entries({ SWARM_HOME: d.env.SWARM_HOME!, TERM: "xterm-256color", CI: "true" }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const r = tmux("new-session", "-d", "-s", "tui", "-x", "120", "-y", "30", ...envArgs, process.execPath, path.join(ROOT, "bin/swarm.js"));
    expect(r.status).toBe(0);
    const screen = () => tmux("capture-pane", "-p", "-t", "tui").stdout;
    await waitFor("TUI connected", () => screen().includes("connected") && screen().includes(`pid ${d!.proc.pid}`), 30_000);
    const c = await d.client();
    await c.call("event.publish", { type: "user.hello_from_test", data: { n: 1 } });
    await waitFor("event in the log", () => screen().includes("user.hello_from_test"));
    tmux("send-keys", "-t", "tui", "?");
    await waitFor("help shown", () => screen().includes("show or hide this help"));

    await d.kill();
    await waitFor("disconnected shown", () => screen().includes("disconnected"));
    d = await d.restart();
    await waitFor("reconnected to the new daemon", () => screen().includes(`pid ${d!.proc.pid}`), 30_000);
    const c2 = await d.client();
    await c2.call("event.publish", { type: "user.after_restart" });
    await waitFor("event after restart", () => screen().includes("user.after_restart"));

    tmux("send-keys", "-t", "tui", "q");
    await waitFor("TUI exited", () => tmux("has-session", "-t", "tui").status !== 0 || !screen().includes("swarm"));
  });
});
