/**
 * Building blocks of the per-agent input-line readers (input-line.ts has the entry point):
 * cutting the text after a prompt out of screen rows, with whether it is drawn faint. A
 * faint draft is an agent's own autosuggestion or placeholder (Claude Code's dim
 * suggestion, Codex's "Ask Codex to do anything"), not something a person typed; only the
 * cells' attributes tell the two apart, so a view without them (`faint` absent) counts every
 * character as typed, which errs on the side of refusing.
 */
import type { InputLine, ScreenView } from "./types.js";

export interface Segment {
  text: string;
  faint: boolean;
}

/** Row `y` from character `from` on, trailing spaces (and a closing box edge `│`, when `box`) cut. */
export function segment(screen: ScreenView, y: number, from: number, box = false): Segment {
  const line = screen.lines[y] ?? "";
  let text = line.slice(from);
  if (box) text = text.replace(/\s*│\s*$/, "");
  text = text.replace(/[\s\u00a0]+$/, "");
  const start = from + (text.length - text.trimStart().length);
  text = text.trim().replace(/\u00a0/g, " ");
  const mask = screen.faint?.[y]?.slice(start, start + text.length) ?? "";
  // every visible character faint; spaces carry no style worth reading
  let faint = text.length > 0 && mask.length === text.length;
  for (let i = 0; faint && i < text.length; i++) if (text[i] !== " " && mask[i] !== "f") faint = false;
  return { text, faint };
}

/** Joins the segments of a multi-row input line into one InputLine. */
export function joinSegments(parts: Segment[], first: number): InputLine {
  const nonEmpty = parts.filter((p) => p.text !== "");
  return {
    text: parts
      .map((p) => p.text)
      .join("\n")
      .replace(/\n+$/, ""),
    faint: nonEmpty.length > 0 && nonEmpty.every((p) => p.faint),
    rows: [first, first + Math.max(0, parts.length - 1)],
  };
}

/**
 * The input line after `prompt` on the cursor's row, or on a row above it that the line
 * wrapped from (every row in between full to the last column). For line-oriented programs
 * whose prompt sits at the cursor, e.g. the fake agent's "> ". Rows of earlier, submitted
 * input further up do not count.
 */
export function afterPrompt(screen: ScreenView, prompt: RegExp, maxRows = 8): InputLine | null {
  const cy = Math.min(screen.cursor.y, screen.lines.length - 1);
  let y = cy;
  while (y > 0 && cy - y < maxRows && !prompt.test(screen.lines[y] ?? "") && (screen.lines[y - 1] ?? "").length >= screen.cols - 1) y--;
  const m = prompt.exec(screen.lines[y] ?? "");
  if (!m || m.index !== 0) return null;
  const parts = [segment(screen, y, m[0].length)];
  for (let r = y + 1; r <= cy; r++) parts.push(segment(screen, r, 0));
  // a wrapped row continues the text without a line break
  const line = joinSegments(parts, y);
  return { ...line, text: line.text.replace(/\n/g, "") };
}
