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

/** Output this soon after a human keystroke is taken as its echo (the program drawing the typed key), not as work. */
export const ECHO_MS = 250;

/** The latest output followed a human keystroke closely: it is the keystroke's echo. */
export function echoOfHumanInput(c: DetectContext): boolean {
  if (c.msSinceHumanInput === undefined) return false;
  const gap = c.msSinceHumanInput - c.msSinceOutput;
  return gap >= 0 && gap <= ECHO_MS;
}

/** Output younger than ACTIVE_OUTPUT_MS that is not the echo of someone typing. */
export function activeOutput(c: DetectContext): boolean {
  return c.msSinceOutput < ACTIVE_OUTPUT_MS && !echoOfHumanInput(c);
}

/**
 * An agent CLI is `starting` until one of its screen rules recognised it (prompt, dialog,
 * turn): a blank screen, a splash or a banner is not a prompt. Goes after the screen rules
 * and before the activity fallback; `ready` is latched by the runtime.
 */
export const STARTING_RULE: Rule = {
  name: "not ready yet: none of its screens (prompt, dialog, turn) has shown",
  state: "starting",
  test: (_s, c) => c.ready === false,
};

/** A program that has shown nothing for this long after its last output is taken to be up (e.g. `sh -c 'read line'`). */
export const BLANK_START_MS = 3000;

/**
 * For programs swarm knows nothing about: `starting` while nothing at all is on the screen,
 * for at most BLANK_START_MS of quiet: a silent program reading its input is waiting, not
 * starting, and would otherwise hold every send and ticket prompt until their timeouts.
 */
export const BLANK_STARTING_RULE: Rule = {
  name: "not ready yet: nothing on the screen",
  state: "starting",
  test: (s, c) => c.ready === false && c.msSinceOutput < BLANK_START_MS && s.lines.every((l) => l.trim() === ""),
};

/** Last resort when no screen pattern matched: judge by output activity alone (the echo of typing is not activity). */
export const ACTIVITY_FALLBACK: Rule[] = [
  { name: `no known pattern; output within ${ACTIVE_OUTPUT_MS} ms`, state: "working", test: (_s, c) => activeOutput(c) },
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

/**
 * A yes/no question at the end of a line: explicit choices ("[y/N]", "(y/n)", "(yes/no)",
 * "[Yes]:"), or a question asking to do something ("rm: remove regular file 'x'?",
 * "Overwrite config.toml?", "Are you sure?"). Any other question ("Name? ", "Which
 * branch?") asks for an answer, not an approval.
 */
export const YES_NO_RE =
  /(\[[yY](es)?\/[nN](o)?\]|\([yY](es)?\/[nN](o)?[^)]*\)|\[(Yes|No)\]:?|(^|[\s:])(remove|delete|overwrite|replace|continue|proceed|allow|approve|confirm|are you sure|do you want|really|ok to|okay to|install|apply|execute|trust|kill|discard)\b[^?]*\?)\s*$/i;

/** Any question at the end of the text before the cursor: a program waits for an answer. */
export const QUESTION_RE = /[?:]\s*$/;
