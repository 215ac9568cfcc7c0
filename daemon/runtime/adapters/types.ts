/**
 * Agent adapters: how to start and resume each agent CLI, and how to read its state from
 * the headless terminal's screen. One adapter per agent kind; detectors are pure functions
 * over a screen view so they can be tested on recorded screens.
 */

export type AgentKind = "shell" | "claude" | "codex" | "aider" | "gemini" | "scripted" | "custom";
export const AGENT_KINDS: AgentKind[] = ["shell", "claude", "codex", "aider", "gemini", "scripted", "custom"];

export type AgentState = "working" | "idle" | "waiting_input" | "asking_approval" | "exited";

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
}

export interface DetectContext {
  /** milliseconds since the last output byte */
  msSinceOutput: number;
  /** the process has exited */
  exited: boolean;
  exitCode: number | null;
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
  /** the session id the agent printed on screen (e.g. its "resume with …" line at exit), if any */
  findSessionId?(screen: ScreenView): string | null;
}
