/**
 * OpenAI Codex CLI (`codex`). Full-screen TUI on the alternate screen: a composer line
 * starting with "›", a status line "• Working (12s • esc to interrupt)" during a turn,
 * approval dialogs ("Would you like to run the following command?", "Trust this folder?")
 * and sign-in screens at first start. Session ids are UUIDs chosen by codex (no flag pins
 * one); at exit it prints "codex resume <id>".
 */
import { EXITED_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter } from "./types.js";

const APPROVAL_RE =
  /Would you like to (run the following command|make the following edits|apply)|Allow command\?|Trust this folder\?|Yes, proceed|Approve (this|once)|Allow Codex to/i;
const SIGN_IN_RE = /Sign in with ChatGPT|Paste or type your API key|Sign in with Device Code|Press enter to (continue|save)|enter to confirm/i;
const WORKING_RE = /esc to interrupt/i;
const COMPOSER_RE = /^\s*›\s?/;

export const CODEX_RULES: Rule[] = [
  EXITED_RULE,
  { name: 'approval dialog ("Would you like to run …" / "Trust this folder?")', state: "asking_approval", test: (s) => APPROVAL_RE.test(tail(s, 20, true)) },
  { name: 'sign-in or selection screen ("Press enter to continue")', state: "waiting_input", test: (s) => SIGN_IN_RE.test(tail(s, 20, true)) },
  { name: '"esc to interrupt" in the status line', state: "working", test: (s) => WORKING_RE.test(tail(s, 12, true)) },
  {
    name: 'composer line ("›") at the bottom',
    state: "idle",
    test: (s) =>
      tail(s, 5, true)
        .split("\n")
        .some((l) => COMPOSER_RE.test(l)),
  },
];

export const codexAdapter: AgentAdapter = {
  kind: "codex",
  pinsSessionId: false,
  startCommand: ({ args }) => ["codex", ...(args ?? [])],
  resumeCommand: (sessionId, prompt, opts) => {
    const id = requireUuid("codex", sessionId);
    if (opts?.headless) return ["codex", "exec", "resume", id, requirePrompt("codex", prompt)];
    return ["codex", "resume", id, ...(prompt ? [prompt] : [])];
  },
  detect: (screen, ctx) => runRules("codex", CODEX_RULES, screen, ctx),
  findSessionId: (screen) => findAfter(screen.lines, /codex (exec )?resume\s/),
};
