/**
 * Answering an agent's question on purpose (`runtime.answer`), never by accident: what the
 * question is, and which keys give which answer. A numbered menu (Claude Code, Codex,
 * Gemini, the fake agent's `--approval-menu`) is answered by moving its selection to the
 * chosen option and pressing Enter, so "no" can never land on a default "Yes"; a plain
 * yes/no prompt gets the adapter's keys ("y\r" / "n\r" unless it says otherwise).
 */
import { SwarmError } from "../../protocol/errors.js";
import type { AgentAdapter, ScreenView } from "./adapters/types.js";

export interface MenuOption {
  n: number;
  label: string;
  selected: boolean;
}

const OPTION_RE = /^\s*(?:[│|]\s*)?([❯›>●▶→*])?\s*(\d{1,2})\.\s+(.+?)\s*(?:│\s*)?$/;
const YES_RE = /^(yes|allow|approve|trust|proceed|continue|ok)\b/i;
const NO_RE = /^(no|deny|reject|don'?t|do not|cancel|exit)\b/i;
const UP = "\x1b[A";
const DOWN = "\x1b[B";

/** Rows to look at: the bottom of the screen, below the cursor too (dialogs draw their footer there). */
function bottomRows(screen: ScreenView, n: number): string[] {
  let last = screen.lines.length - 1;
  while (last > 0 && (screen.lines[last] ?? "").trim() === "") last--;
  return screen.lines.slice(Math.max(0, last - n + 1), last + 1);
}

/** The numbered menu at the bottom of the screen (options 1…N in order), or null. */
export function menuOf(screen: ScreenView): MenuOption[] | null {
  const opts: MenuOption[] = [];
  for (const row of bottomRows(screen, 16)) {
    const m = OPTION_RE.exec(row);
    if (!m) continue;
    const n = Number(m[2]);
    if (n === 1) opts.length = 0; // a new menu starts; an older one higher up is history
    if (n !== opts.length + 1) continue;
    opts.push({ n, label: m[3]!.replace(/\s*\((esc|[a-z])\)$/i, ""), selected: m[1] !== undefined });
  }
  return opts.length >= 2 ? opts : null;
}

/** The question being asked: the last row ending in "?" near the bottom, else the cursor's row. */
export function questionOf(screen: ScreenView): string {
  const rows = bottomRows(screen, 20);
  for (let i = rows.length - 1; i >= 0; i--) {
    const t = (rows[i] ?? "").replace(/[│╭╮╰╯]/g, "").trim();
    if (/\?(\s*\[[^\]]*\]|\s*\([^)]*\))?\s*:?$/.test(t) && !OPTION_RE.test(rows[i] ?? "")) return t;
  }
  return (screen.lines[screen.cursor.y] ?? "").trim();
}

export interface AnswerPlan {
  /** what is written to the terminal, one write per step (menus read each key on its own) */
  keys: string[];
  /** the option chosen ("1. Yes"), or the keys' meaning for a plain prompt */
  choice: string;
  question: string;
}

function pick(menu: MenuOption[], answer: string): MenuOption | null {
  if (/^\d+$/.test(answer)) {
    const o = menu.find((x) => x.n === Number(answer));
    if (!o) {
      throw new SwarmError("INVALID_ARGUMENT", `the menu has options 1–${menu.length}, not ${answer}`, {
        hint: `answer yes, no or one of: ${menu.map((x) => `${x.n}. ${x.label}`).join(" / ")}`,
      });
    }
    return o;
  }
  const lower = answer.toLowerCase();
  if (lower === "yes") return menu.find((x) => YES_RE.test(x.label)) ?? menu[0]!;
  if (lower === "no") return menu.find((x) => NO_RE.test(x.label)) ?? null;
  throw new SwarmError("INVALID_ARGUMENT", `the agent shows a menu; ${JSON.stringify(answer)} is not one of its answers`, {
    hint: `answer yes, no or an option number: ${menu.map((x) => `${x.n}. ${x.label}`).join(" / ")}`,
  });
}

/** The keys that give `answer` (yes, no, an option number, or text for a prompt) on this screen. */
export function answerPlan(adapter: AgentAdapter, screen: ScreenView, answer: string): AnswerPlan {
  const question = questionOf(screen);
  const menu = menuOf(screen);
  if (menu) {
    const target = pick(menu, answer);
    // no "No" option: Esc is every menu's way of declining
    if (!target) return { keys: ["\x1b"], choice: "Esc (decline)", question };
    const from = menu.find((x) => x.selected)?.n ?? 1;
    const moves: string[] = Array.from({ length: Math.abs(target.n - from) }, () => (target.n > from ? DOWN : UP));
    return { keys: [...moves, "\r"], choice: `${target.n}. ${target.label}`, question };
  }
  const lower = answer.toLowerCase();
  if (lower === "yes") return { keys: [adapter.answers?.yes ?? "y\r"], choice: "yes", question };
  if (lower === "no") return { keys: [adapter.answers?.no ?? "n\r"], choice: "no", question };
  return { keys: [answer, "\r"], choice: JSON.stringify(answer), question };
}
