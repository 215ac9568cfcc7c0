/**
 * Claude Code (`claude`). Interactive TUI in the main screen buffer: a prompt box ("❯")
 * between two rules of "─", dialogs as numbered menus ("❯ 1. Yes"), and while a turn runs
 * a spinner line ending in "esc to interrupt". Sessions are UUIDs, pinned with --session-id
 * and resumed with --resume <id>; at exit it prints "claude --resume <id>".
 */
import { EXITED_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter } from "./types.js";

const APPROVAL_RE = /Do you want to (proceed|make this edit|create|allow|run)|Yes, I trust this folder|Yes, allow|Yes, and don't ask again|Allow (this|once)/i;
const MENU_RE = /^\s*[❯>]\s*\d+\.\s+\S/m;
const WORKING_RE = /(esc|ctrl\+c) to interrupt/i;
/** spinner glyph + gerund + ellipsis, e.g. "✻ Cogitating…"; past tense ("Cogitated for 3s") is not work */
const SPINNER_RE = /^\s*[✻✽✶✳✢·*✺✹✸✷✦✧⏺]\s+[A-Z][a-z]+ing…/m;
const PROMPT_RE = /^\s*[❯>]\s?/;

function promptBoxShown(lines: readonly string[]): boolean {
  for (let i = 1; i < lines.length - 1; i++) {
    if (PROMPT_RE.test(lines[i] ?? "") && /^\s*─{8,}/.test(lines[i - 1] ?? "") && /^\s*─{8,}/.test(lines[i + 1] ?? "")) return true;
  }
  return false;
}

export const CLAUDE_RULES: Rule[] = [
  EXITED_RULE,
  {
    name: 'permission or trust dialog ("Do you want to …" / "Yes, I trust this folder")',
    state: "asking_approval",
    test: (s) => APPROVAL_RE.test(tail(s, 14, true)) && MENU_RE.test(tail(s, 14, true)),
  },
  { name: 'numbered choice menu ("❯ 1. …")', state: "waiting_input", test: (s) => MENU_RE.test(tail(s, 14, true)) },
  { name: '"esc to interrupt" in the status line', state: "working", test: (s) => WORKING_RE.test(tail(s, 12, true)) },
  { name: 'spinner with a gerund ("✻ Thinking…")', state: "working", test: (s) => SPINNER_RE.test(tail(s, 12, true)) },
  { name: 'prompt box ("❯" between rules)', state: "idle", test: (s) => promptBoxShown(s.lines) },
];

export const claudeAdapter: AgentAdapter = {
  kind: "claude",
  pinsSessionId: true,
  startCommand: ({ args, sessionId }) => ["claude", ...(sessionId ? ["--session-id", requireUuid("claude", sessionId)] : []), ...(args ?? [])],
  resumeCommand: (sessionId, prompt, opts) => {
    const id = requireUuid("claude", sessionId);
    if (opts?.headless) return ["claude", "--print", "--resume", id, requirePrompt("claude", prompt)];
    return ["claude", "--resume", id, ...(prompt ? [prompt] : [])];
  },
  detect: (screen, ctx) => runRules("claude", CLAUDE_RULES, screen, ctx),
  findSessionId: (screen) => findAfter(screen.lines, /claude (--resume|-r)\s/),
};
