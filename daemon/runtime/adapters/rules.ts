/**
 * The small rule engine every detector is built from: an ordered list of named rules, the
 * first that fires wins, and its name becomes the `why`. Keeping rules as data makes each
 * detector readable top to bottom and lets docs/agents.md list them in the same order.
 */
import type { AgentState, DetectContext, DetectedState, ScreenView } from "./types.js";

export interface Rule {
  /** short rule name; appears in `why` */
  name: string;
  state: AgentState;
  test(screen: ScreenView, ctx: DetectContext): boolean;
}

/** Output younger than this counts as "still printing" in activity-based rules. */
export const ACTIVE_OUTPUT_MS = 1000;

export function runRules(agent: string, rules: readonly Rule[], screen: ScreenView, ctx: DetectContext, fallback: Rule[] = ACTIVITY_FALLBACK): DetectedState {
  for (const rule of [...rules, ...fallback]) {
    if (rule.test(screen, ctx)) return { state: rule.state, why: `${agent}: ${rule.name}` };
  }
  return { state: "idle", why: `${agent}: no rule matched` };
}

/** The process is gone: nothing on screen can override that. */
export const EXITED_RULE: Rule = {
  name: "process exited",
  state: "exited",
  test: (_s, ctx) => ctx.exited,
};

/** Last resort when no screen pattern matched: judge by output activity alone. */
export const ACTIVITY_FALLBACK: Rule[] = [
  { name: `no known pattern; output within ${ACTIVE_OUTPUT_MS} ms`, state: "working", test: (_s, c) => c.msSinceOutput < ACTIVE_OUTPUT_MS },
  { name: "no known pattern; output quiet", state: "idle", test: () => true },
];

/** The row the cursor is on ("" when the cursor is below the last stored row). */
export function cursorLine(screen: ScreenView): string {
  return screen.lines[screen.cursor.y] ?? "";
}

/**
 * The last `n` non-empty rows at or above the cursor row, joined by "\n". Rows below the
 * cursor are ignored for full-screen apps too, since their prompt box sits at the cursor.
 */
export function tail(screen: ScreenView, n: number, includeBelowCursor = false): string {
  const end = includeBelowCursor ? screen.lines.length : Math.min(screen.lines.length, screen.cursor.y + 1);
  const out: string[] = [];
  for (let i = end - 1; i >= 0 && out.length < n; i--) {
    const l = screen.lines[i] ?? "";
    if (l.trim() !== "") out.push(l);
  }
  return out.reverse().join("\n");
}

/** All visible rows joined by "\n" (for dialogs that may sit anywhere on a full-screen app). */
export function whole(screen: ScreenView): string {
  return screen.lines.join("\n");
}

/** A generic yes/no question at the end of a line: "[y/N]", "(y/n)", "(yes/no)", "? " */
export const YES_NO_RE = /(\[[yY]\/[nN]\]|\([yY]\/[nN]\)|\(yes\/no[^)]*\)|\?)\s*$/;
