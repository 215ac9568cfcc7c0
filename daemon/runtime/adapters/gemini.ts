/**
 * Gemini CLI (`gemini`). Ink TUI: an input box "> Type your message or @path/to/file",
 * a spinner line "⠏ Thinking… (esc to cancel, 4s)" during a turn, tool confirmations
 * ("Allow execution of …?", "Apply this change?") as radio menus, and an auth dialog at
 * first start. Sessions are UUIDs: `--session-id <uuid>` pins a new one (gemini 0.61),
 * `--resume <uuid>` picks one exactly (we refuse "latest" and the index form "--resume 1");
 * at exit it prints "To resume this session: gemini --resume <uuid>".
 */
import { joinSegments, segment, type Segment } from "./input-parts.js";
import { EXITED_RULE, STARTING_RULE, runRules, tail, type Rule } from "./rules.js";
import { findAfter, requirePrompt, requireUuid } from "./session-id.js";
import type { AgentAdapter, InputLine, ScreenView } from "./types.js";

const APPROVAL_RE = /Allow execution|Apply this change\?|Do you want to proceed\?|Yes, allow (once|always)|Do you trust this folder\?|Trust folder/i;
const AUTH_RE =
  /How would you like to authenticate|Waiting for authentication|Sign in with Google|Login with Google|Enter (your |Gemini )?API key|Paste your API key/i;
const WORKING_RE = /\(esc to cancel/i;
const INPUT_RE = /Type your message|^\s*│?\s*>\s/m;
const INPUT_ROW_RE = /^\s*│?\s*>\s+/;
const PLACEHOLDER_RE = /^Type your message or @path\/to\/file$/;

/** The input box: the "> " row and the rows under it inside the box (up to "╰"). Its placeholder is faint. */
export function geminiInputLine(screen: ScreenView): InputLine | null {
  const lines = screen.lines;
  for (let y = lines.length - 1; y >= 0; y--) {
    const m = INPUT_ROW_RE.exec(lines[y] ?? "");
    if (!m) continue;
    const parts: Segment[] = [segment(screen, y, m[0].length, true)];
    for (let r = y + 1; r < lines.length && /^\s*│/.test(lines[r] ?? "") && r <= y + 10; r++) {
      const edge = (lines[r] ?? "").indexOf("│") + 1;
      parts.push(segment(screen, r, edge, true));
    }
    const line = joinSegments(parts, y);
    // the placeholder is grey; a view without styles still knows its words
    return PLACEHOLDER_RE.test(line.text) ? { ...line, faint: true } : line;
  }
  return null;
}

export const GEMINI_RULES: Rule[] = [
  EXITED_RULE,
  // before approvals: the auth dialog says "Press Esc …" and can share words with a confirmation
  { name: "authentication dialog", state: "waiting_input", test: (s) => AUTH_RE.test(tail(s, 20, true)) },
  { name: "tool confirmation or folder trust dialog", state: "asking_approval", test: (s) => APPROVAL_RE.test(tail(s, 20, true)) },
  { name: '"(esc to cancel" on the spinner line', state: "working", test: (s) => WORKING_RE.test(tail(s, 10, true)) },
  { name: 'input box ("> Type your message")', state: "idle", test: (s) => INPUT_RE.test(tail(s, 8, true)) },
  STARTING_RULE,
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
  inputLine: geminiInputLine,
  // it drops an Enter that arrives with the paste; half a second apart it submits
  enterDelayMs: 500,
  // Its UI library (is-in-ci) runs non-interactively when CI, CONTINUOUS_INTEGRATION or any CI_*
  // variable is set ("No input provided via stdin"), and a daemon started by a CI job has them.
  notInherited: /^(CI|CONTINUOUS_INTEGRATION|CI_\w*)$/,
};
