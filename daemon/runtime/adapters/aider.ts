/**
 * Aider (`aider`). A prompt_toolkit line editor: the prompt is "> " (or "ask> ",
 * "architect> ", "multi> " in other modes); confirmations end in "(Y)es/(N)o … [Yes]:";
 * while the model answers it shows a "Waiting for <model>" spinner, then streams text.
 * Aider has no session ids: a session is its chat-history file, so we pin one file per
 * session id and resume with --restore-chat-history on that exact file.
 */
import { SwarmError } from "../../../protocol/errors.js";
import { afterPrompt } from "./input-parts.js";
import { ACTIVE_OUTPUT_MS, EXITED_RULE, STARTING_RULE, activeOutput, cursorLine, runRules, tail, type Rule } from "./rules.js";
import { requirePlainId, requirePrompt } from "./session-id.js";
import type { AgentAdapter } from "./types.js";

const CONFIRM_RE = /\(Y\)es\/\(N\)o.*\[(Yes|No)\]:\s*$/;
const LOGIN_RE = /login|log in|api key|openrouter|sign in/i;
const PROMPT_RE = /^([a-z][\w-]*)?> ?/;
const WAITING_RE = /Waiting for \S+|Updating repo map|Scanning repo/;

/** Where a pinned session keeps its history, relative to the runtime's working directory. */
export function aiderHistoryArgs(sessionId: string): string[] {
  const id = requirePlainId("aider", sessionId);
  return ["--chat-history-file", `.aider.swarm/${id}.chat.history.md`, "--input-history-file", `.aider.swarm/${id}.input.history`];
}

export const AIDER_RULES: Rule[] = [
  EXITED_RULE,
  { name: "(Y)es/(N)o question about login or API keys", state: "waiting_input", test: (s) => CONFIRM_RE.test(cursorLine(s)) && LOGIN_RE.test(tail(s, 3)) },
  { name: "(Y)es/(N)o confirmation at the cursor", state: "asking_approval", test: (s) => CONFIRM_RE.test(cursorLine(s)) },
  { name: '"Waiting for <model>" spinner', state: "working", test: (s) => WAITING_RE.test(tail(s, 3)) },
  { name: 'prompt ("> ") at the cursor', state: "idle", test: (s) => PROMPT_RE.test(cursorLine(s)) && s.cursor.x >= cursorLine(s).indexOf(">") + 1 },
  STARTING_RULE,
  { name: `streaming, output within ${ACTIVE_OUTPUT_MS} ms`, state: "working", test: (_s, c) => activeOutput(c) },
];

export const aiderAdapter: AgentAdapter = {
  kind: "aider",
  pinsSessionId: true,
  inputLine: (screen) => afterPrompt(screen, PROMPT_RE),
  startCommand: ({ args, sessionId }) => ["aider", ...(sessionId ? aiderHistoryArgs(sessionId) : []), ...(args ?? [])],
  resumeCommand: (sessionId, prompt, opts) => {
    const base = ["aider", ...aiderHistoryArgs(sessionId), "--restore-chat-history"];
    if (opts?.headless) return [...base, "--message", requirePrompt("aider", prompt)];
    if (prompt) {
      // aider's only way to pass a prompt on the command line (--message) exits afterwards
      throw new SwarmError("INVALID_ARGUMENT", "aider cannot take a prompt when resuming interactively", {
        hint: "resume without a prompt and send it to the runtime, or resume headless",
      });
    }
    return base;
  },
  detect: (screen, ctx) => runRules("aider", AIDER_RULES, screen, ctx),
};
