/**
 * The backend-independent half of text delivery and answers: what the manager checks before
 * a backend delivers (an agent asking for approval is never typed into: its Enter would
 * answer the question), and `runtime.answer`, which answers on purpose with keys read off
 * the screen. The holder's own delivery (send.ts) checks again on a fresh screen.
 */
import { SwarmError } from "../../protocol/errors.js";
import type { RuntimeConfig } from "../../protocol/config/runtime.js";
import { pollUntil } from "../../protocol/wait.js";
import type { AgentKind, ScreenView } from "./adapters/types.js";
import { answerPlan, questionOf } from "./answer.js";
import type { RuntimeBackend, ScreenResult, SendOptions, SendResult } from "./backend.js";
import { adapterOfRuntime } from "./input-line.js";
import { capability } from "./refusal.js";
import type { RuntimeRow } from "./registry.js";

export interface AnswerResult {
  question: string;
  choice: string;
  keys: string;
  state: RuntimeRow["state"];
}

export interface SendParams {
  text: string;
  enter: boolean;
  enter_delay_ms?: number | undefined;
  confirm_timeout_ms?: number | undefined;
  ready_timeout_ms?: number | undefined;
  force?: boolean | undefined;
}

/** A runtime.screen result as the detectors' screen view. */
function viewOf(s: ScreenResult): ScreenView {
  return { lines: s.lines, cols: s.cols, rows: s.rows, cursor: s.cursor, altScreen: s.alt_screen, bracketedPaste: s.bracketed_paste, title: s.title };
}

async function questionAsked(b: RuntimeBackend, row: RuntimeRow): Promise<string> {
  if (!b.info(row).features.screen || !b.screen) return row.why;
  return questionOf(viewOf(await b.screen(row, { ansi: false, scrollback: 0 })));
}

/** The send options of a request, with the configured defaults filled in. */
export function sendOptionsOf(cfg: RuntimeConfig, p: SendParams): SendOptions {
  return {
    text: p.text,
    enter: p.enter,
    enterDelayMs: p.enter_delay_ms ?? cfg.enter_delay_ms,
    confirmTimeoutMs: p.confirm_timeout_ms ?? cfg.confirm_timeout_ms,
    readyTimeoutMs: p.ready_timeout_ms ?? cfg.ready_timeout_ms,
    humanQuietMs: cfg.human_quiet_ms,
    force: p.force === true,
  };
}

/** Delivers through the backend, unless the agent asks for approval (CONFLICT naming the question; nothing written). */
export async function sendGuarded(b: RuntimeBackend, row: RuntimeRow, o: SendOptions): Promise<SendResult> {
  const deliver = capability(b, row, "send");
  if (row.state === "asking_approval") {
    const question = await questionAsked(b, row);
    throw new SwarmError("CONFLICT", `runtime ${row.name}: it is asking_approval (${JSON.stringify(question)}), and Enter would answer it; nothing was sent`, {
      hint: `answer it on purpose: swarmctl runtime answer ${row.name} yes|no`,
      details: { status: "refused", reason: "asking_approval", state: row.state, question, why: row.why },
    });
  }
  return deliver(row, o);
}

/**
 * Answers the question the agent asks (asking_approval, or waiting_input), on purpose:
 * the keys come from the screen (a menu's option, a yes/no prompt's keys), one write
 * each; resolves once the agent reacted (its state changed) or after `settleMs`.
 */
export async function answerRuntime(b: RuntimeBackend, row: RuntimeRow, answer: string, current: () => RuntimeRow, settleMs = 3000): Promise<AnswerResult> {
  const write = capability(b, row, "input");
  const s = await capability(b, row, "screen")(row, { ansi: false, scrollback: 0 });
  if (s.state !== "asking_approval" && s.state !== "waiting_input") {
    throw new SwarmError("CONFLICT", `runtime ${row.name} is ${s.state}; it asks no question to answer`, {
      hint: `see what it shows: swarmctl runtime screen ${row.name}; to give it a task use swarmctl runtime send ${row.name} TEXT`,
      details: { state: s.state, why: s.why },
    });
  }
  const plan = answerPlan(adapterOfRuntime(row.agent as AgentKind, row.detector), viewOf(s), answer);
  for (const [i, key] of plan.keys.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 60)); // a menu reads each key on its own
    write(row, key, false);
  }
  await pollUntil(() => current().state !== s.state, { timeoutMs: settleMs, everyMs: 50 });
  return { question: plan.question, choice: plan.choice, keys: JSON.stringify(plan.keys.join("")).slice(1, -1), state: current().state };
}
