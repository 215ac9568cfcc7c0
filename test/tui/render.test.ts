import { describe, expect, it } from "vitest";
import { cropScreen, splitRows, stripAnsi } from "../../tui/render/ansi-crop.js";
import { diffTone, fileJump, parseDiff } from "../../tui/render/diff.js";
import { gridFor, MIN_PANE } from "../../tui/state/layout.js";
import { DIFF } from "./fixtures.js";

describe("cropping a serialized screen", () => {
  it("splits rows at CRLF and at the source width (soft wraps), expands CSI n C gaps", () => {
    const rows = splitRows("ab\x1b[3Ccd\r\n" + "x".repeat(12), 10, 100).map((r) => stripAnsi(r.text));
    expect(rows).toEqual(["ab   cd", "xxxxxxxxxx", "xx"]);
  });

  it("keeps styles: a row starts with the styles in force and ends with a reset", () => {
    const out = cropScreen("\x1b[31mred\r\nstill red\x1b[0m plain\r\nplain", { srcCols: 20, width: 20, height: 3 });
    expect(out[0]).toBe("\x1b[31mred\x1b[0m");
    expect(out[1]).toBe("\x1b[31mstill red\x1b[0m plain\x1b[0m");
    expect(out[2]).toBe("plain");
  });

  it("crops to width and keeps the last rows with text in view", () => {
    const screen = Array.from({ length: 10 }, (_, i) => `line ${i} ${"-".repeat(30)}`).join("\r\n") + "\r\n\r\n";
    const out = cropScreen(screen, { srcCols: 40, width: 8, height: 3 }).map(stripAnsi);
    expect(out).toEqual(["line 7 -", "line 8 -", "line 9 -"]);
  });

  it("counts wide characters as two cells and drops OSC sequences", () => {
    const out = cropScreen("\x1b]0;title\x07日本語abc", { srcCols: 20, width: 5, height: 1 }).map(stripAnsi);
    expect(out).toEqual(["日本"]);
  });
});

describe("diff parsing", () => {
  it("lists files with status, counts and where each starts; tones for colouring", () => {
    const d = parseDiff(DIFF);
    expect(d.files).toEqual([
      { path: "src/app.ts", status: "modified", start: 0, adds: 1, dels: 1, hunks: 1 },
      { path: "NOTES.md", status: "added", start: 8, adds: 1, dels: 0, hunks: 1 },
    ]);
    expect([diffTone("+x"), diffTone("-x"), diffTone("@@ -1 +1 @@"), diffTone("+++ b/x"), diffTone(" x")]).toEqual(["add", "del", "hunk", "meta", "plain"]);
    expect(fileJump(d.files, 0, 1)).toBe(8);
    expect(fileJump(d.files, 8, -1)).toBe(0);
    expect(parseDiff("").lines).toEqual([]);
  });
});

describe("grid layout", () => {
  it("picks columns so panes are as big as possible, and gives up (list) when they would be too small", () => {
    expect(gridFor(4, 200, 55)).toMatchObject({ columns: 2, rows: 2 });
    expect(gridFor(16, 200, 55)).toMatchObject({ columns: 4, rows: 4 });
    const g = gridFor(16, 200, 55)!;
    expect(g.paneCols).toBeGreaterThanOrEqual(MIN_PANE.cols);
    expect(gridFor(16, 80, 19)).toBeNull();
  });
});
