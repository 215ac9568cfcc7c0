/**
 * Text delivery into a runtime the daemon holds (holder backend), judged on the rendered
 * screen model, never on the byte stream. In order:
 *   1. wait until the agent is ready (`starting` ends), bounded by `readyTimeoutMs`;
 *   2. refuse (CONFLICT, nothing written) when it asks for approval, when its input line
 *      holds text that is not ours, or when a person typed within the quiet window
 *      (`force` overrides the last two, never the first: answer with runtime.answer);
 *      `guardSend`, which the tmux backend runs too (tmux-guard.ts reads its inputs);
 *   3. write the text (one bracketed paste when the program asked for it, else typed);
 *   4. see it arrive in the input line, then Enter as its own write after the enter delay;
 *   5. confirm by effect: the input line emptied, the agent started working, or its
 *      queued-message marker showed (`queued`); Enter once more when the text still sits
 *      in the input line. Programs whose input line swarm cannot read (a shell, a REPL)
 *      count when the text was echoed on the cursor's row and the program then moved on to
 *      a new row, or printed the text again after the Enter.
 */
import { SwarmError } from "../../protocol/errors.js";
import { questionOf } from "./answer.js";
import type { AgentAdapter, DetectedState, InputLine, ScreenView } from "./adapters/types.js";
import { inputLineOf, isDraft, lineHolds } from "./input-line.js";
import type { LiveRuntime } from "./live-runtime.js";
import { nextOutput, waitScreen } from "./screen-wait.js";

export interface SendOptions {
  text: string;
  enter: boolean;
  enterDelayMs: number;
  confirmTimeoutMs: number;
  /** deliver over a draft or a person's recent typing (audited); never over an approval prompt */
  force?: boolean;
  /** how long to wait for a `starting` agent to become ready (default: confirmTimeoutMs) */
  readyTimeoutMs?: number;
  /** a human keystroke younger than this blocks the delivery (0: no quiet window) */
  humanQuietMs?: number;
}

export type SendStatus = "delivered" | "queued" | "not_confirmed" | "refused";

export interface SendResult {
  status: SendStatus;
  /** for `refused`: why nothing was written (e.g. "starting") */
  reason?: string;
  paste: boolean;
  why: string;
  ms: number;
  /** what `force` went over, when it did: a draft, a person's typing */
  forced?: { draft?: string; human_ms?: number };
}

/** What a delivery needs besides the runtime: its agent's adapter and a fresh state reading. */
export interface DeliverDeps {
  adapter: AgentAdapter;
  detect(): DetectedState;
}

// CSI/OSC/other escape sequences and control characters.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

export function stripTerminal(text: string): string {
  return text.replace(ESCAPES, "");
}

/** What must show up for a delivery to count: the end of the text's last non-empty line. */
export function needleOf(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1] ?? "";
  return last.slice(-40).replace(/\s+/g, " ");
}

const squash = (s: string) => s.replace(/[\s\u00a0]+/g, "");
/** Needles shorter than this are never looked for in fresh output: "x" is in almost any output. */
const MIN_OUTPUT_NEEDLE = 4;

function refuse(name: string, reason: string, message: string, hint: string, details: Record<string, unknown>): SwarmError {
  return new SwarmError("CONFLICT", `runtime ${name}: ${message}; nothing was sent`, { hint, details: { status: "refused", reason, ...details } });
}

/** What the refusals look at, whichever backend holds the runtime. */
export interface GuardInput {
  name: string;
  state: DetectedState;
  /** the screen the question is read from, when it asks for approval */
  screen: ScreenView;
  /** its input line on a styled view (faint suggestions told apart), or null */
  line: InputLine | null;
  /** ms since a person last typed into it (Infinity: never) */
  humanMs: number;
}

/** Step 2: the refusals (CONFLICT, nothing written). Returns what `force` went over. */
export function guardSend(g: GuardInput, o: SendOptions): SendResult["forced"] {
  const { name, state, line, humanMs: human } = g;
  if (state.state === "asking_approval") {
    const question = questionOf(g.screen);
    throw refuse(
      name,
      "asking_approval",
      `it is asking_approval (${JSON.stringify(question)}), and Enter would answer it`,
      `answer it on purpose: swarmctl runtime answer ${name} yes|no`,
      {
        state: state.state,
        question,
        why: state.why,
      },
    );
  }
  const forced: NonNullable<SendResult["forced"]> = {};
  if (isDraft(line)) {
    if (!o.force) {
      throw refuse(
        name,
        "draft",
        `its input line holds text that is not ours (${JSON.stringify(line.text.slice(0, 200))})`,
        `leave it to whoever typed it, or deliver over it with --force`,
        {
          draft: line.text,
        },
      );
    }
    forced.draft = line.text;
  }
  if ((o.humanQuietMs ?? 0) > 0 && human < (o.humanQuietMs ?? 0)) {
    if (!o.force) {
      throw refuse(
        name,
        "human_typing",
        `a person typed into it ${Math.round(human / 1000)} s ago (quiet window ${o.humanQuietMs} ms)`,
        `wait, or deliver anyway with --force`,
        {
          human_ms: human,
        },
      );
    }
    forced.human_ms = human;
  }
  return Object.keys(forced).length ? forced : undefined;
}

interface Probe {
  rt: LiveRuntime;
  d: DeliverDeps;
  needle: string;
  styled: () => InputLine | null;
}

/**
 * The text just typed ends at the cursor: the cursor's row up to the cursor, with the rows
 * it wrapped from (full to the last column), ends with the needle. Text further up (older
 * output that happens to contain it) does not count.
 */
function echoedAtCursor(rt: LiveRuntime, needle: string): boolean {
  const v = rt.model.view();
  let text = (v.lines[v.cursor.y] ?? "").slice(0, v.cursor.x);
  for (let y = v.cursor.y - 1; y >= 0 && y >= v.cursor.y - 20 && (v.lines[y] ?? "").length >= v.cols - 1; y--) text = (v.lines[y] ?? "") + text;
  return needle !== "" && squash(text).endsWith(squash(needle));
}

function count(hay: string, needle: string): number {
  if (needle.length < MIN_OUTPUT_NEEDLE) return 0;
  return squash(hay).split(squash(needle)).length - 1;
}

/** Steps 4–5 for agents whose input line swarm reads. */
async function confirmByInputLine(p: Probe, o: SendOptions, wasBusy: boolean, enterDelayMs: number): Promise<{ status: SendStatus; why: string }> {
  const { rt, d, needle } = p;
  const arrived = await waitScreen(rt, () => lineHolds(p.styled(), needle), Math.min(o.confirmTimeoutMs, 2000));
  if (!o.enter) {
    return arrived
      ? { status: "delivered", why: "the text is in the input line (no Enter)" }
      : { status: "not_confirmed", why: `${JSON.stringify(needle)} did not appear in the input line within ${Math.min(o.confirmTimeoutMs, 2000)} ms` };
  }
  const marker = p.d.adapter.queuedMarker;
  const markerBefore = marker ? marker.test(rt.model.view().lines.join("\n")) : false;
  await sleep(enterDelayMs);
  rt.link?.input("\r");
  let retried = false;
  const retryAt = Date.now() + Math.max(400, enterDelayMs * 2);
  const deadline = Date.now() + o.confirmTimeoutMs;
  while (Date.now() < deadline) {
    const line = p.styled();
    const screen = rt.model.view().lines.join("\n");
    const holds = lineHolds(line, needle);
    if (marker && marker.test(screen) && (wasBusy || !markerBefore))
      return { status: "queued", why: `the agent is busy and queued it (${JSON.stringify(marker.source)} on screen)` };
    const state = d.detect().state;
    if (!holds && line && (arrived || line.text.trim() === "")) {
      if (wasBusy && state === "working") return { status: "queued", why: "the input line emptied while the agent kept working: queued behind its turn" };
      return { status: "delivered", why: "the text arrived in the input line, and the input line emptied after Enter" };
    }
    if (!wasBusy && state === "working") return { status: "delivered", why: "the agent started working after Enter" };
    // a turn can be over before its work shows (an approval at once): the input line gave way to a question
    if (arrived && !holds && !line && state !== "idle")
      return { status: "delivered", why: `the text arrived in the input line, which gave way after Enter (now ${state})` };
    if (holds && !retried && Date.now() >= retryAt) {
      // an Enter that arrived too soon after the paste was taken as part of it, or dropped
      retried = true;
      rt.link?.input("\r");
    }
    await nextOutput(rt, 50);
  }
  const still = lineHolds(p.styled(), needle);
  return {
    status: "not_confirmed",
    why: still
      ? `the text still sits in the input line after Enter${retried ? " (pressed twice)" : ""}; ${o.confirmTimeoutMs} ms`
      : `${JSON.stringify(needle)} did not appear in the input line, and nothing showed it was submitted within ${o.confirmTimeoutMs} ms`,
  };
}

/** Steps 4–5 for programs whose input line swarm cannot read. */
async function confirmByEcho(p: Probe, o: SendOptions, enterDelayMs: number): Promise<{ status: SendStatus; why: string }> {
  const { rt, needle } = p;
  const quote = JSON.stringify(needle);
  if (!o.enter) {
    const seen = await waitScreen(rt, () => echoedAtCursor(rt, needle), o.confirmTimeoutMs);
    return seen
      ? { status: "delivered", why: `${quote} is on the cursor's row (no Enter)` }
      : { status: "not_confirmed", why: `${quote} did not appear within ${o.confirmTimeoutMs} ms` };
  }
  await sleep(enterDelayMs);
  // a slow host may draw the echo later than the enter delay
  const echoed = await waitScreen(rt, () => echoedAtCursor(rt, needle), 1000);
  const row = rt.model.cursorRow();
  const before = count(rt.model.searchText(), needle);
  rt.link?.input("\r");
  const ok = await waitScreen(rt, () => (echoed && rt.model.cursorRow() > row) || count(rt.model.searchText(), needle) > before, o.confirmTimeoutMs);
  if (!ok) return { status: "not_confirmed", why: `${quote} did not appear within ${o.confirmTimeoutMs} ms` };
  if (echoed && rt.model.cursorRow() > row)
    return { status: "delivered", why: `${quote} was echoed as typed, and the program went on to a new line after Enter` };
  return { status: "delivered", why: `saw ${quote} printed again after Enter` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deliverNow(rt: LiveRuntime, o: SendOptions, d: DeliverDeps): Promise<SendResult> {
  const t0 = Date.now();
  const ms = () => Date.now() - t0;
  const readyMs = o.readyTimeoutMs ?? o.confirmTimeoutMs;
  const ready = await waitScreen(rt, () => d.detect().state !== "starting" || rt.exited, readyMs);
  const paste0 = rt.model.view().bracketedPaste;
  if (!ready) {
    return { status: "refused", reason: "starting", paste: paste0, why: `the agent did not become ready within ${readyMs} ms (${d.detect().why})`, ms: ms() };
  }
  const styled = () => inputLineOf(d.adapter, rt.model.styledView());
  const state = d.detect();
  const humanMs = rt.row.last_human_input_at ? Date.now() - Date.parse(rt.row.last_human_input_at) : Infinity;
  const forced = guardSend({ name: rt.row.name, state, screen: rt.model.view(), line: styled(), humanMs }, o);
  const paste = rt.model.view().bracketedPaste;
  rt.link?.input(paste ? `\x1b[200~${o.text}\x1b[201~` : o.text.replace(/\r?\n/g, "\r"));
  const probe: Probe = { rt, d, needle: needleOf(o.text), styled };
  const enterDelayMs = Math.max(o.enterDelayMs, d.adapter.enterDelayMs ?? 0);
  const r = d.adapter.inputLine ? await confirmByInputLine(probe, o, state.state === "working", enterDelayMs) : await confirmByEcho(probe, o, enterDelayMs);
  return { ...r, paste, ms: ms(), ...(forced ? { forced } : {}) };
}

/** Delivers text; deliveries to one runtime never interleave. Refusals throw CONFLICT; the rest is the result. */
export function deliver(rt: LiveRuntime, o: SendOptions, d: DeliverDeps): Promise<SendResult> {
  const run = () => deliverNow(rt, o, d);
  const p = rt.sendChain.then(run, run);
  rt.sendChain = p.catch(() => {});
  return p;
}
