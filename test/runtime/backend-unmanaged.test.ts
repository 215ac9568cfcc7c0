import { defineBackendContract } from "./backend-contract.js";

/** A record another program registered and heartbeats: swarm holds no terminal, every capability is refused. */
defineBackendContract({
  label: "unmanaged (registered record)",
  managed: false,
  features: { screen: false, send: false, input: false, attach: false, resize: false, signal: false },
  make: async (h, name) => {
    await h.c.call("runtime.register", { name, pty_backend: "tmux", target: "elsewhere:0.1", agent: "custom", pid: process.pid });
  },
});
