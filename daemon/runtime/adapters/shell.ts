/**
 * A plain interactive shell. Readline-based shells (bash ≥ 5.1, zsh) turn bracketed paste on
 * while they read a command line and off while a command runs, which is the strongest
 * idle/working signal a shell gives without hooks.
 */
import { ACTIVE_OUTPUT_MS, BLANK_STARTING_RULE, EXITED_RULE, YES_NO_RE, activeOutput, cursorLine, runRules, type Rule } from "./rules.js";
import type { AgentAdapter } from "./types.js";

const PROMPT_END_RE = /[$#%❯>]\s*$/;

export const SHELL_RULES: Rule[] = [
  EXITED_RULE,
  BLANK_STARTING_RULE,
  {
    name: "cursor line ends in a yes/no question",
    state: "asking_approval",
    test: (s, c) => !s.bracketedPaste && c.msSinceOutput >= ACTIVE_OUTPUT_MS / 2 && YES_NO_RE.test(cursorLine(s).slice(0, s.cursor.x)),
  },
  { name: "line editor active (bracketed paste on)", state: "idle", test: (s) => s.bracketedPaste },
  { name: `output within ${ACTIVE_OUTPUT_MS} ms`, state: "working", test: (_s, c) => activeOutput(c) },
  {
    name: "quiet, cursor after a shell prompt sign",
    state: "idle",
    test: (s) => PROMPT_END_RE.test(cursorLine(s).slice(0, s.cursor.x)),
  },
  {
    name: "quiet, cursor after text on its line (a program reads input)",
    state: "waiting_input",
    test: (s) => s.cursor.x > 0 && cursorLine(s).slice(0, s.cursor.x).trim() !== "",
  },
  { name: "quiet, cursor at line start (a silent command runs)", state: "working", test: () => true },
];

export const shellAdapter: AgentAdapter = {
  kind: "shell",
  pinsSessionId: false,
  startCommand: ({ args }) => ["bash", ...(args && args.length > 0 ? args : ["-i"])],
  resumeCommand: () => null,
  detect: (screen, ctx) => runRules("shell", SHELL_RULES, screen, ctx),
};
