/**
 * Agent adapters: how to start and resume each agent CLI, and how to read its state from
 * the headless terminal's screen. One adapter per agent kind; detectors are pure functions
 * over a screen view so they can be tested on recorded screens.
 */

/** What the agent's input line holds: text, and whether it is only a faint suggestion or placeholder. */
export interface InputLine {
  /** the text after the prompt, rows joined with "\n" (trailing spaces trimmed) */
  text: string;
  /** every character of `text` is drawn faint: an autosuggestion or placeholder, not typed input */
  faint: boolean;
  /** first and last screen row of the input line */
  rows: [number, number];
}

export type AgentKind = "shell" | "claude" | "codex" | "aider" | "gemini" | "scripted" | "custom";
export const AGENT_KINDS: AgentKind[] = ["shell", "claude", "codex", "aider", "gemini", "scripted", "custom"];

export type AgentState = "starting" | "working" | "idle" | "waiting_input" | "asking_approval" | "exited";

/** What a detector sees: the visible screen as plain text rows plus a few terminal modes. */
export interface ScreenView {
  /** visible rows, top to bottom, trailing spaces trimmed */
  lines: string[];
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  /** the program switched to the alternate screen (full-screen TUI) */
  altScreen: boolean;
  /** the program enabled bracketed paste (ESC[?2004h) */
  bracketedPaste: boolean;
  title: string;
  /**
   * Per row, one flag per character of `lines[y]`: "f" where the cell is drawn faint (SGR 2
   * dim, or a grey foreground), "." elsewhere. Only in views built for reading an input line
   * (TerminalModel.styledView); detectors must not rely on it.
   */
  faint?: string[];
}

export interface DetectContext {
  /** milliseconds since the last output byte */
  msSinceOutput: number;
  /** the process has exited */
  exited: boolean;
  exitCode: number | null;
  /**
   * false until one of the adapter's screen rules has recognised the program as ready (its
   * prompt, a dialog, a turn); latched by the runtime. Absent (a one-off detection) counts as ready.
   */
  ready?: boolean;
  /** milliseconds since the last keystroke of an attached human, when there was one */
  msSinceHumanInput?: number;
}

export interface DetectedState {
  state: AgentState;
  /** names the rule that fired, e.g. "claude: 'Do you want to proceed?' prompt" */
  why: string;
}

export interface AgentAdapter {
  kind: AgentKind;
  /** argv to start the agent; `args` are user extras; `sessionId` pins the session when the CLI allows it */
  startCommand(opts: { args?: string[]; sessionId?: string }): string[];
  /**
   * argv that resumes exactly this session (never "the last session"), or null when the CLI
   * cannot. `headless` asks for the CLI's non-interactive form (e.g. `codex exec resume`),
   * which runs the prompt and exits; the default is the interactive form.
   */
  resumeCommand(sessionId: string, prompt?: string, opts?: { headless?: boolean }): string[] | null;
  detect(screen: ScreenView, ctx: DetectContext): DetectedState;
  /** startCommand honours `sessionId` (the CLI lets us choose the id up front) */
  pinsSessionId: boolean;
  /**
   * The agent's input line as drawn on screen (its prompt box, composer, input field), or
   * null when none is shown (a dialog, a splash, a turn that hides it). See input-line.ts.
   */
  inputLine?(screen: ScreenView): InputLine | null;
  /** text on screen that says a message sent while the agent works was queued, not run */
  queuedMarker?: RegExp;
  /** keys that answer a yes/no question that is not a menu (default "y\r" / "n\r") */
  answers?: { yes: string; no: string };
  /** pause between a paste and its Enter this agent needs (it drops an Enter that follows a paste too closely) */
  enterDelayMs?: number;
  /** the session id the agent printed on screen (e.g. its "resume with …" line at exit), if any */
  findSessionId?(screen: ScreenView): string | null;
  /**
   * Names of the daemon's own environment variables this agent must not inherit, because they
   * change how it runs in our PTY (variables the user passes with --var still reach it).
   */
  notInherited?: RegExp;
}
