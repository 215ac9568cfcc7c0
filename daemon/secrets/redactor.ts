/**
 * Secret values out of a byte stream (R-O4): each occurrence of a value becomes `********`.
 * Terminal output arrives in reads of any size, so a value may be split across chunks: the
 * redactor holds back a tail that could still be the start of a value and decides once the
 * next chunk (or `flush`) comes. Output is only ever delayed by that held tail, never by a
 * whole chunk. Values are matched as their UTF-8 bytes, exactly (no case folding); a value
 * with a line break also matches with CRLF, as a PTY's output post-processing writes it.
 * Values shorter than MIN_REDACT_CHARS are not redacted: masking every "yes" or "1" would
 * wreck the screen and hide nothing worth hiding.
 */

export const MASK = "********";
/** Shorter values are left alone (documented in docs/secrets.md). */
export const MIN_REDACT_CHARS = 4;

const MASK_BYTES = Buffer.from(MASK);

/** The values worth redacting: long enough, deduplicated, with their CRLF variants. */
export function redactionValues(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if ([...v].length < MIN_REDACT_CHARS) continue;
    out.add(v);
    if (v.includes("\n")) out.add(v.replace(/\r?\n/g, "\r\n"));
  }
  return [...out];
}

export class StreamRedactor {
  /** longest first, so of two values starting at one place the longer one is masked */
  private readonly needles: Buffer[];
  private readonly firstBytes = new Uint8Array(256);
  private readonly maxLen: number;
  private held: Buffer = Buffer.alloc(0);

  constructor(values: Iterable<string>) {
    this.needles = redactionValues(values)
      .map((v) => Buffer.from(v, "utf8"))
      .sort((a, b) => b.length - a.length);
    for (const n of this.needles) this.firstBytes[n[0]!] = 1;
    this.maxLen = this.needles[0]?.length ?? 0;
  }

  /** True when there is nothing to redact: callers may skip the redactor entirely. */
  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** Bytes held back because they may be the start of a value. */
  get pending(): number {
    return this.held.length;
  }

  /** The chunk with every complete value masked, minus a tail that may start a value (held for the next call). */
  push(chunk: Buffer): Buffer {
    if (this.empty) return chunk;
    return this.scan(this.held.length ? Buffer.concat([this.held, chunk]) : chunk, false);
  }

  /** Gives up what is held (end of stream, or it sat too long to still be a value arriving), complete values still masked. */
  flush(): Buffer {
    const data = this.held;
    this.held = Buffer.alloc(0);
    return data.length ? this.scan(data, true) : data;
  }

  private scan(data: Buffer, final: boolean): Buffer {
    const parts: Buffer[] = [];
    const next = new Array<number>(this.needles.length).fill(-2);
    let pos = 0;
    for (;;) {
      const m = this.nextMatch(data, pos, next);
      // A value may be arriving from here on (even one longer than a match starting at or after it): keep it for the next chunk.
      const t = final ? -1 : this.partialStart(data, pos);
      if (t >= 0 && (!m || t <= m.at)) {
        parts.push(data.subarray(pos, t));
        // copied: the caller's chunk may be reused
        this.held = Buffer.from(data.subarray(t));
        return Buffer.concat(parts);
      }
      if (!m) break;
      parts.push(data.subarray(pos, m.at), MASK_BYTES);
      pos = m.at + m.len;
    }
    this.held = Buffer.alloc(0);
    parts.push(data.subarray(pos));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The leftmost occurrence of any value at or after `from` (the longest of those starting there); `next` caches each value's next index. */
  private nextMatch(data: Buffer, from: number, next: number[]): { at: number; len: number } | null {
    let best: { at: number; len: number } | null = null;
    this.needles.forEach((n, i) => {
      if (next[i] !== -1 && next[i]! < from) next[i] = data.indexOf(n, from);
      const at = next[i]!;
      if (at >= 0 && (!best || at < best.at)) best = { at, len: n.length };
    });
    return best;
  }

  /** Where the earliest run of trailing bytes (at or after `from`) that is a proper prefix of some value starts; -1 when none. */
  private partialStart(data: Buffer, from: number): number {
    for (let p = Math.max(from, data.length - this.maxLen + 1); p < data.length; p++) {
      if (!this.firstBytes[data[p]!]) continue;
      const rest = data.length - p;
      for (const n of this.needles) {
        if (n.length > rest && data.compare(n, 0, rest, p, data.length) === 0) return p;
      }
    }
    return -1;
  }
}

/** Masks every value in a whole text (screens read back from a terminal that keeps no stream, e.g. tmux). */
export function redactText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of [...redactionValues(values)].sort((a, b) => b.length - a.length)) out = out.split(v).join(MASK);
  return out;
}
