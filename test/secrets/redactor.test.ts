import { describe, expect, it } from "vitest";
import { MASK, MIN_REDACT_CHARS, redactText, redactionValues, StreamRedactor } from "../../daemon/secrets/redactor.js";

/** Feeds `text` cut at the given offsets, then flushes; returns what came out. */
function stream(values: string[], text: string, cuts: number[]): string {
  const r = new StreamRedactor(values);
  const buf = Buffer.from(text);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    out.push(r.push(buf.subarray(prev, c)));
    prev = c;
  }
  out.push(r.flush());
  return Buffer.concat(out).toString();
}

const SECRET = "sk-live-0123456789abcdef";

describe("StreamRedactor", () => {
  it("masks a value inside one chunk, every occurrence", () => {
    expect(stream([SECRET], `token=${SECRET} again ${SECRET}\r\n`, [])).toBe(`token=${MASK} again ${MASK}\r\n`);
  });

  it("masks a value split across chunks at every possible cut, including one byte per chunk", () => {
    const text = `a ${SECRET} b`;
    for (let cut = 1; cut < text.length; cut++) expect(stream([SECRET], text, [cut])).toBe(`a ${MASK} b`);
    const everyByte = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    expect(stream([SECRET], text, everyByte)).toBe(`a ${MASK} b`);
  });

  it("holds only a tail that could start a value, and releases it when the next chunk proves otherwise", () => {
    const r = new StreamRedactor([SECRET]);
    expect(r.push(Buffer.from("prompt $ sk-li")).toString()).toBe("prompt $ ");
    expect(r.pending).toBe(5);
    expect(r.push(Buffer.from("ke a cat\n")).toString()).toBe("sk-like a cat\n");
    expect(r.pending).toBe(0);
    // nothing that could start a value: passed straight through
    expect(r.push(Buffer.from("plain output\n")).toString()).toBe("plain output\n");
  });

  it("flush gives up a held prefix (end of stream) and still masks complete values", () => {
    const r = new StreamRedactor([SECRET, "abcd-long-value"]);
    expect(r.push(Buffer.from(`x abcd`)).toString()).toBe("x ");
    expect(r.flush().toString()).toBe("abcd");
    expect(r.flush().length).toBe(0);
  });

  it("masks the longer of two values that start at the same place, even when the shorter one completes first", () => {
    const values = ["abcdef", "abcdefghij"];
    expect(stream(values, "1 abcdefghij 2", [8])).toBe(`1 ${MASK} 2`);
    expect(stream(values, "1 abcdefXY 2", [8])).toBe(`1 ${MASK}XY 2`);
    // a longer value starting before a shorter one that sits inside it
    expect(stream(["cdef", "abcdefgh"], "> abcdefgh <", [8])).toBe(`> ${MASK} <`);
  });

  it("matches multi-byte UTF-8 values split inside a character", () => {
    const v = "pässwörd-ünïcode";
    const text = `say ${v}!`;
    const bytes = Buffer.byteLength(text);
    for (let cut = 1; cut < bytes; cut++) expect(stream([v], text, [cut])).toBe(`say ${MASK}!`);
  });

  it("matches a multi-line value also as the PTY writes it (CRLF)", () => {
    const v = "line-one\nline-two";
    expect(stream([v], "x line-one\r\nline-two y", [12])).toBe(`x ${MASK} y`);
    expect(stream([v], "x line-one\nline-two y", [])).toBe(`x ${MASK} y`);
  });

  it(`leaves values shorter than ${MIN_REDACT_CHARS} characters alone and is a pass-through with nothing to redact`, () => {
    expect(redactionValues(["abc", "abcd", "abcd", "é€a"])).toEqual(["abcd"]);
    const r = new StreamRedactor(["no", "1"]);
    expect(r.empty).toBe(true);
    const chunk = Buffer.from("no 1 no");
    expect(r.push(chunk)).toBe(chunk);
  });

  it("keeps up with bulk output: 8 MB with a value every 4 KB across random cuts", () => {
    const unit = "x".repeat(4000) + SECRET + "\n";
    const text = unit.repeat(2048);
    const r = new StreamRedactor([SECRET, "another-secret-value"]);
    const buf = Buffer.from(text);
    const out: Buffer[] = [];
    const t0 = Date.now();
    for (let off = 0; off < buf.length;) {
      const n = 1 + Math.floor(Math.random() * 8192);
      out.push(r.push(buf.subarray(off, off + n)));
      off += n;
    }
    out.push(r.flush());
    expect(Buffer.concat(out).toString()).toBe(("x".repeat(4000) + MASK + "\n").repeat(2048));
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe("redactText", () => {
  it("masks whole-text screens, longest value first", () => {
    expect(redactText(`a ${SECRET} b sk-live-0123 c`, ["sk-live-0123", SECRET])).toBe(`a ${MASK} b ${MASK} c`);
  });
});
