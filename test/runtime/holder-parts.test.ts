import headless from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { encodeAck, encodeFrame, FRAME, FrameReader } from "../../daemon/runtime/holder/frames.js";
import { OutputRing } from "../../daemon/runtime/holder/ring.js";

function screenOf(chunks: Buffer[]): Promise<{ text: string; alt: boolean; paste: boolean }> {
  const t = new headless.Terminal({ cols: 40, rows: 5, allowProposedApi: true });
  return new Promise((resolve) => {
    t.write(Buffer.concat(chunks), () => {
      const b = t.buffer.active;
      const rows = Array.from({ length: 5 }, (_, y) => b.getLine(b.viewportY + y)?.translateToString(true) ?? "");
      resolve({ text: rows.join("\n"), alt: b.type === "alternate", paste: t.modes.bracketedPasteMode });
    });
  });
}

describe("holder parts", () => {
  it("frames survive arbitrary splits of the byte stream", () => {
    const frames = [
      encodeFrame(FRAME.DATA, Buffer.from("hello")),
      encodeAck(123456),
      encodeFrame(FRAME.REPLAY_END),
      encodeFrame(FRAME.DATA, Buffer.alloc(70000, 7)),
    ];
    const all = Buffer.concat(frames);
    for (const step of [1, 3, 4096, all.length]) {
      const got: [number, number][] = [];
      const r = new FrameReader((type, p) => got.push([type, p.length]));
      for (let o = 0; o < all.length; o += step) r.push(all.subarray(o, o + step));
      expect(got).toEqual([
        [FRAME.DATA, 5],
        [FRAME.ACK, 4],
        [FRAME.REPLAY_END, 0],
        [FRAME.DATA, 70000],
      ]);
    }
    expect(() => new FrameReader(() => {}).push(Buffer.from([0, 0, 0, 0, 1]))).toThrow(/bad frame length/);
  });

  it("a wrapped ring replays from a line start and restores the modes set before it", async () => {
    const ring = new OutputRing(64 * 1024);
    ring.push(Buffer.from("\x1b[?1049h\x1b[?2004h")); // alternate screen + bracketed paste, long ago
    for (let i = 0; i < 5000; i++) ring.push(Buffer.from(`filler line ${i}\r\n`));
    ring.push(Buffer.from("\x1b[H\x1b[2Jlast screen\r\n"));
    const replay = ring.replay();
    const first = replay[0]!.toString("latin1");
    expect(first).toContain("\x1b[?1049h");
    expect(first).toContain("\x1b[?2004h");
    const s = await screenOf(replay);
    expect(s).toMatchObject({ alt: true, paste: true });
    expect(s.text.split("\n")[0]).toBe("last screen");
    // An unwrapped ring replays exactly what it got.
    const small = new OutputRing(1024);
    small.push(Buffer.from("abc"));
    expect(Buffer.concat(small.replay()).toString()).toBe("abc");
  });
});
