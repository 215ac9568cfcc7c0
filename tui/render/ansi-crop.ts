/**
 * Cuts a screen serialized by the daemon (rows of text with SGR styles, soft-wrapped rows
 * run together, `CSI n C` for gaps) into at most `height` rows of at most `width` cells,
 * styles kept: each row starts with the styles in force and ends with a reset, so a
 * pane never bleeds colour into its neighbour.
 */
export interface CropOptions {
  /** The source terminal's width: where soft-wrapped rows break. */
  srcCols: number;
  width: number;
  height: number;
  /** Row that must stay visible (the cursor's); default: the last row with text. */
  keepRow?: number;
}

const RESET = "\x1b[0m";

/** Cells a code point takes (wide East Asian and emoji take two). */
export function cellWidth(cp: number): number {
  if (cp < 0x1100) return 1;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

interface Row {
  text: string;
  /** Styles in force when the row began. */
  prefix: string;
  hasText: boolean;
}

class RowBuilder {
  rows: Row[] = [];
  private cur: Row = { text: "", prefix: "", hasText: false };
  private col = 0;
  private sgr: string[] = [];

  constructor(
    private readonly srcCols: number,
    private readonly width: number,
  ) {}

  style(seq: string): void {
    if (seq === "\x1b[0m" || seq === "\x1b[m") this.sgr = [];
    else this.sgr.push(seq);
    this.cur.text += seq;
  }

  newRow(): void {
    this.rows.push(this.cur);
    this.cur = { text: "", prefix: this.sgr.join(""), hasText: false };
    this.col = 0;
  }

  put(ch: string, w: number): void {
    if (this.col + w > this.srcCols) this.newRow();
    if (this.col + w <= this.width) this.cur.text += ch;
    if (ch !== " ") this.cur.hasText = true;
    this.col += w;
  }

  forward(n: number): void {
    for (let i = 0; i < n; i++) this.put(" ", 1);
  }

  finish(): Row[] {
    this.rows.push(this.cur);
    return this.rows;
  }
}

/** Splits serialized screen text into styled rows cropped to `width` (all rows). */
export function splitRows(ansi: string, srcCols: number, width: number): Row[] {
  const b = new RowBuilder(Math.max(1, srcCols), width);
  for (let i = 0; i < ansi.length;) {
    const ch = ansi[i]!;
    if (ch === "\x1b") {
      const csi = /^\x1b\[([0-9;:?]*)([@-~])/.exec(ansi.slice(i, i + 40));
      if (csi) {
        if (csi[2] === "m") b.style(csi[0]);
        else if (csi[2] === "C") b.forward(Number(csi[1] || 1));
        i += csi[0].length;
        continue;
      }
      const osc = /^\x1b\][^\x07\x1b]*(\x07|\x1b\\)/.exec(ansi.slice(i, i + 512));
      i += osc ? osc[0].length : 2;
      continue;
    }
    if (ch === "\n") {
      b.newRow();
      i++;
      continue;
    }
    const cp = ansi.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    i += s.length;
    if (cp < 0x20 || cp === 0x7f) continue;
    b.put(s, cellWidth(cp));
  }
  return b.finish();
}

export function cropScreen(ansi: string, o: CropOptions): string[] {
  const rows = splitRows(ansi, o.srcCols, o.width);
  let last = rows.length - 1;
  while (last > 0 && !rows[last]!.hasText) last--;
  const keep = Math.max(last, o.keepRow ?? 0);
  const start = Math.max(0, Math.min(rows.length - o.height, keep + 1 - o.height));
  return rows.slice(start, start + o.height).map((r) => (r.prefix || r.text.includes("\x1b[") ? r.prefix + r.text + RESET : r.text));
}

/** The text of a styled row (for tests and plain captures). */
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;:?]*[@-~]/g, "").replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "");
