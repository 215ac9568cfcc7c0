import type { LiveRuntime } from "./live-runtime.js";

export interface SendOptions {
  text: string;
  enter: boolean;
  enterDelayMs: number;
  confirmTimeoutMs: number;
}

export interface SendResult {
  status: "delivered" | "not_confirmed";
  paste: boolean;
  why: string;
  ms: number;
}

// CSI/OSC/other escape sequences and control characters, removed before looking for the text.
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

const norm = (s: string) => s.replace(/\s+/g, " ");

/**
 * Delivers text as input: one bracketed paste when the program asked for it (so embedded
 * newlines do not submit early), else typed with newlines as carriage returns; Enter as its
 * own write after a pause (TUIs that read a paste and an Enter in one read often treat the
 * Enter as part of the paste); then confirmation: the text appears in the program's output
 * after the Enter (an earlier identical line on screen, or the bare echo, does not count).
 * A line-oriented program (one that never asked for bracketed paste: a shell, a REPL) does
 * not print the line again once it runs it; for those, the echo as typed plus new output
 * on a fresh line after the Enter is the proof it took the line.
 */
export function deliver(rt: LiveRuntime, o: SendOptions): Promise<SendResult> {
  const run = async (): Promise<SendResult> => {
    const t0 = Date.now();
    const paste = rt.model.view().bracketedPaste;
    const needle = norm(needleOf(o.text));
    let seen = "";
    let found = needle === "";
    let echoed = false;
    let entered = false;
    let why = "";
    let wake: (() => void) | null = null;
    const unlisten = rt.listen((chunk) => {
      if (found) return;
      seen = (seen + stripTerminal(chunk)).slice(-64 * 1024);
      if (norm(seen).includes(needle)) {
        found = true;
        why = `saw ${JSON.stringify(needle)} in the output`;
      } else if (!paste && echoed && entered && /\n[^\n]*\S/.test(seen)) {
        found = true;
        why = `${JSON.stringify(needle)} was echoed as typed, and the program went on to a new line after Enter`;
      }
      if (found) wake?.();
    });
    try {
      const body = paste ? `\x1b[200~${o.text}\x1b[201~` : o.text.replace(/\r?\n/g, "\r");
      rt.link?.input(body);
      if (o.enter) {
        if (o.enterDelayMs > 0) await new Promise((r) => setTimeout(r, o.enterDelayMs));
        // Count only what the program prints once the text is submitted: the echo of the
        // input line alone does not prove the program took it.
        echoed = found;
        seen = "";
        found = needle === "";
        entered = true;
        rt.link?.input("\r");
      }
      if (!found) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, o.confirmTimeoutMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      const ms = Date.now() - t0;
      if (found) return { status: "delivered", paste, why: why || `saw ${JSON.stringify(needle)} in the output`, ms };
      return { status: "not_confirmed", paste, why: `${JSON.stringify(needle)} did not appear within ${o.confirmTimeoutMs} ms`, ms };
    } finally {
      unlisten();
    }
  };
  const p = rt.sendChain.then(run, run);
  rt.sendChain = p.catch(() => {});
  return p;
}
