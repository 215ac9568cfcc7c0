/**
 * OpenAI Codex CLI (`codex`). Full-screen TUI on the alternate screen: a composer line
 * starting with "›", a status line "• Working (12s • esc to interrupt)" during a turn,
 * approval dialogs ("Would you like to run the following command?", "Trust this folder?")
 * and sign-in screens at first start. Session ids are UUIDs chosen by codex (no flag pins
 * one); at exit it prints "codex resume <id>".
 */
import { joinSegments, segment, type Segment } from "./input-parts.js";
import { EXITED_RULE, STARTING_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter, InputLine, ScreenView } from "./types.js";

const APPROVAL_RE =
  /Would you like to (run the following command|make the following edits|apply)|Allow command\?|Trust this folder\?|Yes, proceed|Approve (this|once)|Allow Codex to/i;
const SIGN_IN_RE = /Sign in with ChatGPT|Paste or type your API key|Sign in with Device Code|Press enter to (continue|save)|enter to confirm/i;
const WORKING_RE = /esc to interrupt/i;
const COMPOSER_RE = /^\s*›\s?/;
/** a selected option of a menu ("› 1. Yes, proceed"), drawn with the same glyph as the composer */
const MENU_ROW_RE = /^\s*›\s*\d+\.\s/;
const PLACEHOLDER_RE =
  /^(Ask Codex to do anything|Find and fix a bug in @filename|Explain this codebase|Summarize recent commits|Implement \{feature\}|Improve documentation in @filename|Write tests for @filename|Run \/review on my current changes|Use \/skills to list available skills)$/;

/**
 * The composer: the last "›" row among the bottom rows (not a menu option), with the
 * indented rows under it (a multi-line draft). Its placeholder ("Ask Codex to do anything")
 * is drawn dim, so it reads as faint.
 */
export function codexInputLine(screen: ScreenView): InputLine | null {
  const lines = screen.lines;
  let last = lines.length - 1;
  while (last > 0 && (lines[last] ?? "").trim() === "") last--;
  for (let y = last; y >= Math.max(0, last - 12); y--) {
    const line = lines[y] ?? "";
    const m = COMPOSER_RE.exec(line);
    if (!m || MENU_ROW_RE.test(line)) continue;
    const parts: Segment[] = [segment(screen, y, m[0].length)];
    for (let r = y + 1; r <= last && /^ {2}\S/.test(lines[r] ?? "") && r <= y + 10; r++) {
      // the footer ("GPT-… default · /path", "? for shortcuts") follows after a blank row; a continuation does not
      parts.push(segment(screen, r, 2));
    }
    const input = joinSegments(parts, y);
    // the placeholders are dim; a view without styles still knows their words
    return PLACEHOLDER_RE.test(input.text) ? { ...input, faint: true } : input;
  }
  return null;
}

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
  STARTING_RULE,
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
  inputLine: codexInputLine,
  // 0.171, a message sent during a turn: "• Messages to be submitted after next tool call (press esc …)" over "↳ <text>"
  queuedMarker: /Messages to be submitted after next tool call/i,
  // its paste-burst detection takes an Enter that follows a paste too closely as part of it
  enterDelayMs: 200,
};
