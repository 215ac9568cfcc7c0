/**
 * Claude Code (`claude`). Interactive TUI in the main screen buffer: a prompt box ("❯")
 * between two rules of "─", dialogs as numbered menus ("❯ 1. Yes"), and while a turn runs
 * a spinner line ending in "esc to interrupt". Sessions are UUIDs, pinned with --session-id
 * and resumed with --resume <id>; at exit it prints "claude --resume <id>".
 */
import { joinSegments, segment, type Segment } from "./input-parts.js";
import { EXITED_RULE, STARTING_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter, InputLine, ScreenView } from "./types.js";

const APPROVAL_RE = /Do you want to (proceed|make this edit|create|allow|run)|Yes, I trust this folder|Yes, allow|Yes, and don't ask again|Allow (this|once)/i;
const MENU_RE = /^\s*[❯>]\s*\d+\.\s+\S/m;
const WORKING_RE = /(esc|ctrl\+c) to interrupt/i;
/** spinner glyph + gerund + ellipsis, e.g. "✻ Cogitating…"; past tense ("Cogitated for 3s") is not work */
const SPINNER_RE = /^\s*[✻✽✶✳✢·*✺✹✸✷✦✧⏺]\s+[A-Z][a-z]+ing…/m;
const PROMPT_RE = /^\s*[❯>][\s\u00a0]?/;
const RULE_ROW = /^\s*─{8,}/;
/** the status line of a Claude Code that has no credentials; typing a task there only earns an error */
const NOT_LOGGED_IN_RE = /Not logged in · Run \/login|Invalid API key · Please run \/login/;

/** The prompt box's rows: a "❯" row right under a rule of "─", down to the next rule (a draft may span rows). */
function promptBox(lines: readonly string[]): { first: number; last: number } | null {
  for (let i = lines.length - 2; i >= 1; i--) {
    if (!PROMPT_RE.test(lines[i] ?? "") || !RULE_ROW.test(lines[i - 1] ?? "")) continue;
    let j = i + 1;
    while (j < lines.length && !RULE_ROW.test(lines[j] ?? "")) j++;
    if (j < lines.length && j - i <= 12) return { first: i, last: j - 1 };
  }
  return null;
}

function promptBoxShown(lines: readonly string[]): boolean {
  return promptBox(lines) !== null;
}

/** The text in the prompt box; Claude's dim autosuggestion reads as faint. */
export function claudeInputLine(screen: ScreenView): InputLine | null {
  const box = promptBox(screen.lines);
  if (!box) return null;
  const parts: Segment[] = [];
  for (let y = box.first; y <= box.last; y++) {
    const line = screen.lines[y] ?? "";
    const from = y === box.first ? (PROMPT_RE.exec(line)?.[0].length ?? 0) : 0;
    parts.push(segment(screen, y, from));
  }
  return joinSegments(parts, box.first);
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
  { name: '"Not logged in · Run /login" in the status line', state: "waiting_input", test: (s) => NOT_LOGGED_IN_RE.test(tail(s, 6, true)) },
  { name: 'prompt box ("❯" between rules)', state: "idle", test: (s) => promptBoxShown(s.lines) },
  STARTING_RULE,
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
  inputLine: claudeInputLine,
  queuedMarker: /Press up to edit queued messages/i,
};
