/**
 * The scripted agent swarm ships (agents/scripted/): a terminal program that follows a
 * recipe, for demos, tutorials and CI. Its screen is ours, so its states are exact (the
 * contract is written at the top of agents/scripted/terminal.ts). It is started with the
 * node running the daemon, by path, so it needs nothing on PATH.
 */
import { fileURLToPath } from "node:url";
import { EXITED_RULE, cursorLine, runRules, type Rule } from "./rules.js";
import type { AgentAdapter } from "./types.js";

/** dist/agents/scripted/main.js of this installation (this file runs as dist/daemon/runtime/adapters/scripted.js). */
export const SCRIPTED_AGENT_MAIN = fileURLToPath(new URL("../../../agents/scripted/main.js", import.meta.url));

export const SCRIPTED_RULES: Rule[] = [
  EXITED_RULE,
  { name: '"Allow? (y/n)" at the cursor', state: "asking_approval", test: (s) => /Allow\? \(y\/n\)$/.test(cursorLine(s)) },
  { name: 'spinner "Working… (Ns)" at the cursor', state: "working", test: (s) => /^\S Working… \(\d+\.\ds\)/.test(cursorLine(s)) },
  { name: 'prompt "> " at the cursor', state: "idle", test: (s) => /^>( |$)/.test(cursorLine(s)) },
];

export const scriptedAdapter: AgentAdapter = {
  kind: "scripted",
  pinsSessionId: false,
  startCommand: ({ args }) => [process.execPath, SCRIPTED_AGENT_MAIN, ...(args ?? [])],
  resumeCommand: () => null,
  detect: (screen, ctx) => runRules("scripted", SCRIPTED_RULES, screen, ctx),
};
