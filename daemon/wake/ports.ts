/**
 * What the wake domain needs from the rest of the daemon, declared here so the dispatcher
 * sees nothing else (and the compiler checks the wiring in daemon/assemble.ts): runtimes
 * through the runtime manager (delivery is the manager's `send`, never our own writes),
 * thread reads, agent sessions.
 */

/** A wake's target runtime as the dispatcher needs it. */
export interface WakeTarget {
  name: string;
  /** swarm started it (it may type into it) */
  managed: boolean;
  /** it accepts text deliveries (its backend's `send` feature) */
  canSend: boolean;
  state: string;
  agent: string;
  session_id: string | null;
  last_human_input_at: string | null;
  /** the agent CLI can resume a session by its exact id */
  resumable: boolean;
  /** a new session of the agent can be started without a command of the user's */
  spawnable: boolean;
}

/** The delivery's outcome, in the deliver domain's words (`runtime.send`). */
export interface InjectResult {
  status: "delivered" | "queued" | "not_confirmed" | "refused";
  why: string;
  /** for refused: draft (text on the input line that is not ours), human (typed recently), approval, busy, other */
  refusal?: "draft" | "human" | "approval" | "busy" | "other";
}

export type StartResult = { ok: true; runtime: string; detail: string } | { ok: false; why: string };

export interface WakeRuntimes {
  target(name: string): WakeTarget | null;
  /**
   * Types `text` + Enter through the manager's send; `force` delivers over a draft (wake.force
   * only); `quietMs` is the wake's quiet window, handed to the delivery's own check.
   */
  inject(name: string, text: string, o: { force: boolean; quietMs: number }): Promise<InjectResult>;
  /** Runs the agent's resume of exactly `sessionId` with `prompt`, beside the live terminal (never typing into it). */
  resume(t: WakeTarget, sessionId: string, prompt: string, tag: string): Promise<StartResult>;
  /** Starts a new session of the agent seeded with `prompt`. */
  spawn(t: WakeTarget, prompt: string, tag: string): Promise<StartResult>;
  /** Calls `fn` with each human keystroke batch (attach input) before it is written. */
  observeHumanInput(fn: (name: string, data: string) => void): () => void;
  /** Holds human keystrokes for `name` until release: an injection and a person's typing never interleave. */
  holdHumanInput(name: string): () => void;
}

export interface WakeThreads {
  exists(thread: string): boolean;
  participants(thread: string): string[];
  cursor(thread: string, reader: string): number;
  unread(thread: string, reader: string): number;
  /** authors (not `reader`) of the messages after `reader`'s cursor */
  unreadFrom(thread: string, reader: string): string[];
  title(thread: string): string;
  summary(thread: string): string | null;
  /** threads where `reader` takes part and has unread messages, newest activity first */
  unreadThreads(reader: string): string[];
}

export interface WakeSessions {
  /** the session to resume: the runtime's own session id first, else the agent's newest session */
  resumeSession(agent: string, runtimeSession: string | null): { session_id: string; last_heartbeat_at: string | null } | null;
}
