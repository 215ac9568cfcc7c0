import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";

/** The most bytes of text one recorded event holds (a PTY read under load can be far bigger). */
export const PIECE = 8192;

/**
 * Writes a runtime's output as asciicast v2 (header line, then `[seconds, "o", text]` lines),
 * size-capped: an event that would take the file past `maxBytes` goes to a fresh file instead
 * (`output.cast` → `output.1.cast` …), and at most `keep` old files stay. A big read is
 * recorded as events of at most PIECE bytes of text, so a file passes the cap only when one
 * such event alone is bigger than the cap. Writes are batched and synchronous so an exit
 * never leaves a buffered tail behind.
 */
export class CastRecorder {
  private fd: number;
  private bytes = 0;
  private headerBytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly decoder = new StringDecoder("utf8");
  private readonly startMs = Date.now();

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly keep: number,
    private cols: number,
    private rows: number,
    private readonly command: string,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.fd = this.openFresh();
  }

  static fileName(index: number): string {
    return index === 0 ? "output.cast" : `output.${index}.cast`;
  }

  output(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text) this.event("o", text);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.event("r", `${cols}x${rows}`);
  }

  input(text: string): void {
    this.event("i", text);
  }

  close(): void {
    const tail = this.decoder.end();
    if (tail) this.event("o", tail);
    this.flush();
    fs.closeSync(this.fd);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const data = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    fs.writeSync(this.fd, data);
    this.bytes += Buffer.byteLength(data);
  }

  private event(kind: string, text: string): void {
    const t = ((Date.now() - this.startMs) / 1000).toFixed(6);
    const lineOf = (piece: string) => `[${t}, "${kind}", ${JSON.stringify(piece)}]\n`;
    if (Buffer.byteLength(text) <= PIECE) return this.line(lineOf(text));
    // cut between characters (never inside a UTF-8 sequence), as cast.c does, so both holders record alike
    const b = Buffer.from(text);
    for (let i = 0; i < b.length;) {
      let end = Math.min(b.length, i + PIECE);
      while (end < b.length && end > i + 1 && (b[end]! & 0xc0) === 0x80) end--;
      this.line(lineOf(b.toString("utf8", i, end)));
      i = end;
    }
  }

  private line(line: string): void {
    const size = Buffer.byteLength(line);
    // the file rotates before the line that would pass the cap, unless it holds nothing yet but its header
    if (this.bytes + this.pendingBytes + size > this.maxBytes && this.bytes + this.pendingBytes > this.headerBytes) {
      this.flush();
      this.rotate();
    }
    this.pending.push(line);
    this.pendingBytes += size;
    if (this.pendingBytes >= 256 * 1024) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 50);
  }

  private header(): string {
    return (
      JSON.stringify({
        version: 2,
        width: this.cols,
        height: this.rows,
        timestamp: Math.floor(this.startMs / 1000),
        command: this.command,
        env: { TERM: "xterm-256color" },
      }) + "\n"
    );
  }

  private openFresh(): number {
    const fd = fs.openSync(path.join(this.dir, CastRecorder.fileName(0)), "w", 0o600);
    const h = this.header();
    fs.writeSync(fd, h);
    this.bytes = this.headerBytes = Buffer.byteLength(h);
    return fd;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    fs.rmSync(path.join(this.dir, CastRecorder.fileName(this.keep)), { force: true });
    for (let i = this.keep - 1; i >= 0; i--) {
      const from = path.join(this.dir, CastRecorder.fileName(i));
      if (fs.existsSync(from)) fs.renameSync(from, path.join(this.dir, CastRecorder.fileName(i + 1)));
    }
    this.fd = this.openFresh();
  }
}
