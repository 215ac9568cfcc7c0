/**
 * A faster cell grid for Ink's frames (Ink 6.8's `Output.get`, which costs most of a frame:
 * measured 10-13 ms of CPU at 200x60 with the pane bodies blank, where React and layout take
 * about 2). Ink's own version builds 200x60 fresh cell objects per frame, tokenizes every
 * line it writes again (its caches live for one frame), and diffs the styles of every pair
 * of neighbouring cells when it turns rows back into text. This one:
 * - keeps the styled characters of each distinct line across frames (bounded),
 * - leaves blank cells empty instead of allocating them, and skips rows nothing was written to,
 * - writes a row's styles once per run of equally styled cells.
 * The text it returns draws the same cells (characters and styles) as Ink's, though the
 * escape sequences between runs may differ; test/tui/fast-output.test.ts checks that in a
 * terminal emulator. Ink offers no hook for its output stage, so this replaces the method on
 * Ink's Output class (the same module instance Ink renders with); `installFastOutput()` returns
 * the function that puts Ink's own back. Frames with a horizontal clip (overflowX, which the
 * TUI does not use) go to Ink's own method.
 */

interface AnsiCode {
  code: string;
  endCode: string;
}
interface StyledChar {
  value: string;
  styles: AnsiCode[];
}
type Clip = { x1?: number; x2?: number; y1?: number; y2?: number };
type Op =
  { type: "write"; x: number; y: number; text: string; transformers: ((s: string, i: number) => string)[] } | { type: "clip"; clip: Clip } | { type: "unclip" };
interface Caches {
  getStyledChars(line: string): StyledChar[];
  getStringWidth(text: string): number;
}
interface OutputLike {
  width: number;
  height: number;
  operations: Op[];
  caches: Caches;
}
type Get = (this: OutputLike) => { output: string; height: number };

/** The styled characters of a line, with a style key per character (equal keys: same styles). */
interface Line {
  chars: StyledChar[];
  keys: string[];
  widths: number[];
}

const MAX_LINES = 20_000;

function keyOf(styles: AnsiCode[]): string {
  if (styles.length === 0) return "";
  if (styles.length === 1) return styles[0]!.code;
  return styles.map((s) => s.code).join("");
}

/** A row back to text: open a run's styles when they change, close them all at the end. */
export function rowToString(cells: (StyledChar | undefined)[], keys: (string | undefined)[]): string {
  // (a line longer than the frame runs past its width, as in Ink)
  let last = cells.length - 1;
  // trailing unstyled blanks are trimmed (as Ink's trimEnd does)
  while (last >= 0 && (cells[last] === undefined || (cells[last]!.value === " " && !keys[last]))) last--;
  let out = "";
  let open: AnsiCode[] = [];
  let openKey = "";
  for (let x = 0; x <= last; x++) {
    const c = cells[x];
    const k = c ? (keys[x] ?? "") : "";
    if (k !== openKey) {
      for (let i = open.length - 1; i >= 0; i--) out += open[i]!.endCode;
      open = c ? c.styles : [];
      for (const s of open) out += s.code;
      openKey = k;
    }
    out += c ? c.value : " ";
  }
  for (let i = open.length - 1; i >= 0; i--) out += open[i]!.endCode;
  return out;
}

function fastGet(newCaches: () => Caches, inkGet: Get): Get {
  const lines = new Map<string, Line>();
  let shared = newCaches();
  const lineOf = (text: string): Line => {
    let l = lines.get(text);
    if (!l) {
      // bounded: a clock or a counter makes new lines forever (Ink's caches too: start both afresh)
      if (lines.size >= MAX_LINES) {
        lines.clear();
        shared = newCaches();
      }
      const chars = shared.getStyledChars(text);
      l = { chars, keys: chars.map((c) => keyOf(c.styles)), widths: chars.map((c) => Math.max(1, shared.getStringWidth(c.value))) };
      lines.set(text, l);
    }
    return l;
  };
  return function get(this: OutputLike) {
    const { width, height } = this;
    if (this.operations.some((o) => o.type === "clip" && typeof o.clip.x1 === "number" && typeof o.clip.x2 === "number")) return inkGet.call(this);
    const cells: (StyledChar | undefined)[][] = new Array(height);
    const keys: (string | undefined)[][] = new Array(height);
    const clips: Clip[] = [];
    for (const op of this.operations) {
      if (op.type === "clip") clips.push(op.clip);
      else if (op.type === "unclip") clips.pop();
      else {
        let { y } = op;
        const { x, transformers } = op;
        let rows = op.text.split("\n");
        const clip = clips.at(-1);
        if (clip && typeof clip.y1 === "number" && typeof clip.y2 === "number") {
          if (y + rows.length < clip.y1 || y > clip.y2) continue;
          const from = y < clip.y1 ? clip.y1 - y : 0;
          const to = y + rows.length > clip.y2 ? clip.y2 - y : rows.length;
          rows = rows.slice(from, to);
          if (y < clip.y1) y = clip.y1;
        }
        for (let i = 0; i < rows.length; i++) {
          const yy = y + i;
          if (yy < 0 || yy >= height) continue;
          let text = rows[i]!;
          for (const t of transformers) text = t(text, i);
          const l = lineOf(text);
          const row = (cells[yy] ??= new Array(width));
          const rowKeys = (keys[yy] ??= new Array(width));
          let cx = x;
          for (let j = 0; j < l.chars.length; j++) {
            const ch = l.chars[j]!;
            row[cx] = ch;
            rowKeys[cx] = l.keys[j];
            const w = l.widths[j]!;
            // the cells a wide character covers: empty, with its styles (as Ink does)
            for (let k = 1; k < w; k++) {
              row[cx + k] = { value: "", styles: ch.styles };
              rowKeys[cx + k] = l.keys[j];
            }
            cx += w;
          }
        }
      }
    }
    const out: string[] = new Array(height);
    for (let y = 0; y < height; y++) out[y] = cells[y] ? rowToString(cells[y]!, keys[y]!) : "";
    return { output: out.join("\n"), height };
  };
}

let installed: Get | null = null;

/** Puts the fast grid in Ink's Output (idempotent); returns the function that puts Ink's own back. */
export async function installFastOutput(): Promise<() => void> {
  const mod = (await import(new URL("./output.js", import.meta.resolve("ink")).href)) as { default: new (o: { width: number; height: number }) => OutputLike };
  const proto = mod.default.prototype as unknown as { get: Get };
  // another Ink than the one this was written against (6.8): leave its own grid alone
  const probe = new mod.default({ width: 1, height: 1 });
  if (typeof proto.get !== "function" || !Array.isArray(probe.operations) || typeof probe.caches?.getStyledChars !== "function") return () => {};
  if (!installed) {
    installed = proto.get;
    proto.get = fastGet(() => new mod.default({ width: 0, height: 0 }).caches, installed);
  }
  return () => {
    if (installed) proto.get = installed;
    installed = null;
  };
}
