import serializePkg from "@xterm/addon-serialize";
import headless from "@xterm/headless";
import type { ScreenView } from "./adapters/types.js";
import { installReplies } from "./terminal-replies.js";

const { Terminal } = headless;
const { SerializeAddon } = serializePkg;

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
