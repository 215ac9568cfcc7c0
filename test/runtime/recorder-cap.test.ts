import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { castEvents } from "../../cli/commands/logs.js";
import { CastRecorder, PIECE } from "../../daemon/runtime/holder/recorder.js";

// The Node holder's recorder (the native holder's cast.c follows the same rule; the
// recording test drives that one through a daemon): one read far bigger than the cap,
// full of multi-byte characters and escapes, still leaves no file over the cap, and
// nothing is lost or cut inside a character.
describe("CastRecorder cap", () => {
  it("rotates before the event that would pass the cap and cuts big reads between characters", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-cast-"));
    const cap = 64 * 1024;
    const rec = new CastRecorder(dir, cap, 10, 80, 24, "sh");
    const text = Array.from({ length: 12_000 }, (_, i) => `line ${i} é✓🙂\x1b[0m\n`).join("");
    rec.output(Buffer.from(text));
    rec.close();
    // oldest first: output.N.cast … output.1.cast, output.cast
    const index = (f: string) => Number(/^output\.(\d+)\.cast$/.exec(f)?.[1] ?? 0);
    const files = fs.readdirSync(dir).sort((x, y) => index(y) - index(x));
    expect(files.length).toBeGreaterThan(3);
    expect(files.length).toBeLessThan(11); // all kept: nothing rotated away
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(cap);
    const events = files.flatMap((f) => castEvents(fs.readFileSync(path.join(dir, f), "utf8")));
    expect(events.map(([, , t]) => t).join("")).toBe(text);
    for (const [, kind, t] of events) {
      expect(kind).toBe("o");
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(PIECE);
      expect(t).not.toContain("\uFFFD");
    }
  });
});
