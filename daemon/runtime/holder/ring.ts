/**
 * The holder's memory of recent output: a byte-capped list of chunks, plus the private
 * modes (alternate screen, bracketed paste…) seen so far, so a daemon that re-attaches can
 * rebuild the screen even when the ring no longer holds the sequence that set a mode.
 */

const TRACKED_MODES = new Set(["1", "25", "47", "1047", "1049", "2004", "1000", "1002", "1003", "1006"]);
// Modes a terminal starts with switched on.
const DEFAULT_ON = new Set(["25"]);
const MODE_RE = /\x1b\[\?([\d;]+)([hl])/g;

export class OutputRing {
  private chunks: Buffer[] = [];
  private size = 0;
  private trimmed = false;
  private readonly modes = new Map<string, boolean>();

  constructor(private readonly capBytes: number) {}

  /** some output was dropped to stay under the cap */
  get wasTrimmed(): boolean {
    return this.trimmed;
  }

  push(chunk: Buffer): void {
    this.trackModes(chunk);
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.capBytes && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.trimmed = true;
    }
  }

  /**
   * Bytes that rebuild the screen: the modes in force when the ring was trimmed, then the
   * kept output from its first line break (so replay never starts inside an escape sequence).
   */
  replay(): Buffer[] {
    if (!this.trimmed) return [...this.chunks];
    const first = this.chunks[0];
    const out: Buffer[] = [];
    const prefix = this.modePrefix();
    if (prefix) out.push(Buffer.from(prefix, "latin1"));
    if (first) {
      const nl = first.indexOf(0x0a);
      out.push(nl >= 0 ? first.subarray(nl + 1) : first);
    }
    out.push(...this.chunks.slice(1));
    return out;
  }

  private modePrefix(): string {
    let s = "";
    // The alternate screen goes first so later modes apply to the screen it selects.
    for (const m of ["1049", "1047", "47"]) if (this.modes.get(m)) s += `\x1b[?${m}h`;
    for (const [m, on] of this.modes) {
      if (m === "1049" || m === "1047" || m === "47") continue;
      if (on !== DEFAULT_ON.has(m)) s += `\x1b[?${m}${on ? "h" : "l"}`;
    }
    return s;
  }

  private trackModes(chunk: Buffer): void {
    if (chunk.indexOf("\x1b[?") < 0) return;
    const text = chunk.toString("latin1");
    for (const m of text.matchAll(MODE_RE)) {
      for (const n of m[1]!.split(";")) if (TRACKED_MODES.has(n)) this.modes.set(n, m[2] === "h");
    }
  }
}
