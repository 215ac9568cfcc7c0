import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { waitFor } from "../helpers/daemon.js";
import { defineBackendContract } from "./backend-contract.js";
import { FAKE_AGENT } from "./runtime-helpers.js";

const skipReason = spawnSync("tmux", ["-V"]).status === 0 ? null : "tmux is not installed";
// The user's own pane for the observed variant lives on a private server, never the default one.
const USER_SOCKET = `swarm-contract-${process.pid}`;
const userTmux = (...args: string[]) => execFileSync("tmux", ["-L", USER_SOCKET, ...args], { encoding: "utf8" });

/** A session swarm starts on its own tmux server: no byte stream, so no raw input and no attach. */
defineBackendContract({
  label: "tmux (managed session)",
  managed: true,
  skipReason,
  features: { screen: true, send: true, input: false, attach: false, resize: true, signal: true },
  make: async (h, name, args) => {
    await h.c.call("runtime.start", { name, backend: "tmux", command: [FAKE_AGENT, ...args], cwd: h.d.home, cols: 80, rows: 24 });
  },
  cleanup: (h) => void spawnSync("tmux", ["-S", path.join(h.d.paths.runDir, "tmux.sock"), "kill-server"]),
});

/** Someone else's pane, observed: readable, never written to. */
defineBackendContract({
  label: "tmux (observed pane)",
  managed: false,
  skipReason,
  features: { screen: true, send: false, input: false, attach: false, resize: false, signal: false },
  make: async (h, name, args) => {
    userTmux("new-session", "-d", "-s", "theirs", "-x", "80", "-y", "24", process.execPath, FAKE_AGENT, ...args);
    await waitFor("their agent's banner", () => userTmux("capture-pane", "-p", "-t", "theirs").includes("contract-banner"), 30_000);
    await h.c.call("runtime.observe", { name, target: "theirs", socket_name: USER_SOCKET });
  },
  cleanup: () => void spawnSync("tmux", ["-L", USER_SOCKET, "kill-server"]),
});
