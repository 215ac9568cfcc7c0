/**
 * Gemini CLI (`gemini`). Ink TUI: an input box "> Type your message or @path/to/file",
 * a spinner line "⠏ Thinking… (esc to cancel, 4s)" during a turn, tool confirmations
 * ("Allow execution of …?", "Apply this change?") as radio menus, and an auth dialog at
 * first start. Sessions are UUIDs: `--session-id <uuid>` pins a new one (gemini 0.61),
 * `--resume <uuid>` picks one exactly (we refuse "latest" and the index form "--resume 1");
 * at exit it prints "To resume this session: gemini --resume <uuid>".
 */
import { EXITED_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter } from "./types.js";

const APPROVAL_RE = /Allow execution|Apply this change\?|Do you want to proceed\?|Yes, allow (once|always)|Do you trust this folder\?|Trust folder/i;
const AUTH_RE =
  /How would you like to authenticate|Waiting for authentication|Sign in with Google|Login with Google|Enter (your |Gemini )?API key|Paste your API key/i;
const WORKING_RE = /\(esc to cancel/i;
const INPUT_RE = /Type your message|^\s*│?\s*>\s/m;

export const GEMINI_RULES: Rule[] = [
  EXITED_RULE,
  { name: "tool confirmation or folder trust dialog", state: "asking_approval", test: (s) => APPROVAL_RE.test(tail(s, 20, true)) },
  { name: "authentication dialog", state: "waiting_input", test: (s) => AUTH_RE.test(tail(s, 20, true)) },
  { name: '"(esc to cancel" on the spinner line', state: "working", test: (s) => WORKING_RE.test(tail(s, 10, true)) },
  { name: 'input box ("> Type your message")', state: "idle", test: (s) => INPUT_RE.test(tail(s, 8, true)) },
];

export const geminiAdapter: AgentAdapter = {
  kind: "gemini",
  pinsSessionId: true,
  startCommand: ({ args, sessionId }) => ["gemini", ...(sessionId ? ["--session-id", requireUuid("gemini", sessionId)] : []), ...(args ?? [])],
  resumeCommand: (sessionId, prompt, opts) => {
    const id = requireUuid("gemini", sessionId);
    if (opts?.headless) return ["gemini", "--resume", id, "--prompt", requirePrompt("gemini", prompt)];
    return ["gemini", "--resume", id, ...(prompt ? ["--prompt-interactive", prompt] : [])];
  },
  detect: (screen, ctx) => runRules("gemini", GEMINI_RULES, screen, ctx),
  findSessionId: (screen) => findAfter(screen.lines, /gemini (--resume|-r)\s/),
};
