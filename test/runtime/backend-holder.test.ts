import { defineBackendContract } from "./backend-contract.js";
import { FAKE_AGENT } from "./runtime-helpers.js";

/** The PTY holder: every capability, a program that outlives the daemon in its own holder process. */
defineBackendContract({
  label: "holder",
  managed: true,
  features: { screen: true, send: true, input: true, attach: true, resize: true, signal: true },
  make: async (h, name, args) => {
    await h.c.call("runtime.start", { name, command: [FAKE_AGENT, ...args], cwd: h.d.home, cols: 80, rows: 24 });
  },
});
