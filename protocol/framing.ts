/**
 * Newline-delimited frames with a size limit, shared by the daemon and its clients.
 * A frame longer than the limit is reported once and skipped up to its newline, so one
 * oversized message never desynchronises the stream or grows memory without bound.
 */
export type FrameEvent = { kind: "frame"; text: string } | { kind: "oversized"; bytes: number };

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private skipped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer, emit: (ev: FrameEvent) => void): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        this.skipped += piece.length;
      } else if (this.size + piece.length > this.maxBytes) {
        this.skipping = true;
        this.skipped = this.size + piece.length;
        this.parts = [];
        this.size = 0;
      } else if (piece.length > 0) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      if (this.skipping) {
        emit({ kind: "oversized", bytes: this.skipped });
        this.skipping = false;
        this.skipped = 0;
      } else if (this.size > 0) {
        const text = Buffer.concat(this.parts, this.size).toString("utf8");
        this.parts = [];
        this.size = 0;
        if (text.trim().length > 0) emit({ kind: "frame", text });
      }
      start = nl + 1;
    }
  }
}
