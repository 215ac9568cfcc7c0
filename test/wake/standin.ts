import fs from "node:fs";
import path from "node:path";
import { ROOT, SWARMCTL } from "../helpers/daemon.js";
import { FAKE_AGENT } from "../runtime/runtime-helpers.js";

/**
 * A stand-in `codex` on PATH for the fallback tests (the real CLI needs a model; the real
 * agents' tests are elsewhere). Interactive, it is the fake agent with codex's composer
 * prompt "› "; `codex exec resume ID PROMPT` and `codex PROMPT` (a spawn) write one line to
 * `calls.log` and, when the file `ack-resume` / `ack-spawn` exists in its folder, read the
 * thread the prompt names as the agent it wakes (SWARM_WAKE_OF), as a woken agent would.
 * The bridge's `-c key=value` overrides are skipped.
 */
export function writeCodexStandIn(dir: string, swarmHome: string): { dir: string; calls: string; agentLog: string } {
  fs.mkdirSync(dir, { recursive: true });
  const calls = path.join(dir, "calls.log");
  const agentLog = path.join(dir, "agent.log");
  const script = `#!/usr/bin/env node
const fs = require("node:fs");
const { spawnSync } = require("node:child_process");
const dir = ${JSON.stringify(dir)};
const args = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === "-c") { i++; continue; }
  args.push(process.argv[i]);
}
const who = process.env.SWARM_WAKE_OF || process.env.SWARM_RUNTIME || "?";
function ackIfAsked(kind, prompt) {
  fs.appendFileSync(${JSON.stringify(calls)}, kind + " " + who + " " + args.slice(0, -1).join(" ") + " | " + prompt + "\\n");
  const th = /thread (th-\\d+)/.exec(prompt);
  if (th && fs.existsSync(dir + "/ack-" + kind)) {
    spawnSync(process.execPath, [${JSON.stringify(SWARMCTL)}, "thread", "ack", th[1], "--as", who], { env: { ...process.env, SWARM_HOME: ${JSON.stringify(swarmHome)} }, stdio: "ignore" });
  }
}
if (args[0] === "exec" && args[1] === "resume") { ackIfAsked("resume", args[3] || ""); process.exit(0); }
if (args.length > 0) ackIfAsked("spawn", args[args.length - 1]);
require("node:child_process").spawnSync(process.execPath, [${JSON.stringify(FAKE_AGENT)}, "--prompt", "› ", "--work-ms", "20", "--log", ${JSON.stringify(agentLog)}], { stdio: "inherit" });
`;
  fs.writeFileSync(path.join(dir, "codex"), script, { mode: 0o755 });
  void ROOT;
  return { dir, calls, agentLog };
}
