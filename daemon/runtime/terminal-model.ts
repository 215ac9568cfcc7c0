import serializePkg from "@xterm/addon-serialize";
import headless, { type IBufferCell } from "@xterm/headless";
import type { ScreenView } from "./adapters/types.js";
import { installReplies } from "./terminal-replies.js";

const { Terminal } = headless;
const { SerializeAddon } = serializePkg;

/**
 * A cell drawn faint: SGR 2 (dim), or a grey foreground (palette 8 "bright black", the
 * 256-colour greys 240–250, or an RGB grey between #5a5a5a and #b4b4b4), which is how TUIs
 * draw suggestions and placeholders. Inverse cells (a drawn cursor) count as faint when
 * they are dim, else not.
 */
function faintCell(c: IBufferCell): boolean {
  if (c.isDim()) return true;
  if (c.isInverse()) return false;
  const fg = c.getFgColor();
  if (c.isFgPalette()) return fg === 8 || (fg >= 240 && fg <= 250);
  if (c.isFgRGB()) {
    const r = (fg >> 16) & 0xff,
      g = (fg >> 8) & 0xff,
      b = fg & 0xff;
    return Math.max(r, g, b) - Math.min(r, g, b) <= 16 && r >= 0x5a && r <= 0xb4;
  }
  return false;
}

/**
 * A runtime's screen as the daemon sees it: an @xterm/headless terminal fed with the PTY's
 * output, so the screen can be shown (plain or styled), searched, classified and serialized
 * for a viewer that attaches late. It is also the program's terminal for queries: what it
 * answers (xterm.js's own replies plus terminal-replies.ts) goes to `reply`.
 */
export class TerminalModel {
  private readonly term: InstanceType<typeof Terminal>;
  private readonly serializer: InstanceType<typeof SerializeAddon>;
  private titleText = "";

  constructor(cols: number, rows: number, scrollback: number, reply: (data: string) => void = () => {}) {
    // getWinSizeChars: `CSI 18 t` is answered with the model's size, which is the PTY's
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, windowOptions: { getWinSizeChars: true } });
    this.term.onData(reply);
    installReplies(this.term, reply);
    this.serializer = new SerializeAddon();
    this.term.loadAddon(this.serializer);
    this.term.onTitleChange((t) => (this.titleText = t));
  }

  get cols(): number {
    return this.term.cols;
  }
  get rows(): number {
    return this.term.rows;
  }

  /** `done` runs once xterm has parsed the chunk (the flow-control ack point). */
  write(data: Uint8Array | string, done?: () => void): void {
    this.term.write(data, done);
  }

  resize(cols: number, rows: number): void {
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
  }

  view(): ScreenView {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) lines.push((buf.getLine(buf.viewportY + y)?.translateToString(true) ?? "").trimEnd());
    return {
      lines,
      cols: this.term.cols,
      rows: this.term.rows,
      cursor: { x: buf.cursorX, y: buf.cursorY },
      altScreen: buf.type === "alternate",
      bracketedPaste: this.term.modes.bracketedPasteMode,
      title: this.titleText,
    };
  }

  /**
   * The view plus, per row, which characters are drawn faint (`faint`: "f" or "."), for
   * reading an input line: an autosuggestion or placeholder differs from typed text only
   * by its attributes. Costs a walk over every cell, so detectors use view().
   */
  styledView(): ScreenView {
    const v = this.view();
    const buf = this.term.buffer.active;
    const cell = buf.getNullCell();
    const faint: string[] = [];
    for (let y = 0; y < this.term.rows; y++) {
      const line = buf.getLine(buf.viewportY + y);
      let flags = "";
      for (let x = 0; line && x < this.term.cols && flags.length < (v.lines[y] ?? "").length; x++) {
        line.getCell(x, cell);
        const w = cell.getWidth();
        if (w === 0) continue; // the right half of a wide character
        flags += (faintCell(cell) ? "f" : ".").repeat(Math.max(1, cell.getChars().length));
      }
      faint.push(flags);
    }
    return { ...v, faint };
  }

  /** Absolute row of the cursor in the buffer (scrollback included): it grows when the screen scrolls. */
  cursorRow(): number {
    const buf = this.term.buffer.active;
    return buf.baseY + buf.cursorY;
  }

  /** The last `n` lines above the visible screen, oldest first. */
  scrollback(n: number): string[] {
    const buf = this.term.buffer.active;
    const out: string[] = [];
    for (let y = Math.max(0, buf.viewportY - n); y < buf.viewportY; y++) out.push(buf.getLine(y)?.translateToString(true) ?? "");
    return out;
  }

  /** Visible screen plus `extra` scrollback lines, soft-wrapped rows joined: what text search looks at. */
  searchText(extra = 50): string {
    const buf = this.term.buffer.active;
    const parts: string[] = [];
    for (let y = Math.max(0, buf.viewportY - extra); y < buf.viewportY + this.term.rows; y++) {
      const line = buf.getLine(y);
      if (!line) continue;
      if (line.isWrapped) parts.push(line.translateToString(false));
      else parts.push("\n" + line.translateToString(true));
    }
    return parts.join("");
  }

  /** The visible screen with colours and styles, as ANSI. */
  ansi(): string {
    return this.serializer.serialize({ scrollback: 0, excludeModes: true, excludeAltBuffer: false });
  }

  /** Everything a new viewer needs to draw this screen: scrollback, screen, cursor, modes. */
  snapshot(scrollback = 1000): string {
    return this.serializer.serialize({ scrollback });
  }

  dispose(): void {
    this.term.dispose();
  }
}
