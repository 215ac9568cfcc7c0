import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import headless from "@xterm/headless";
import React from "react";
import { afterEach, describe, expect, it } from "vitest";
import { paintingStdout } from "../../tui/render/frame-stream.js";
import { feedPainter, PanePainter } from "../../tui/render/pane-painter.js";
import { createStore, type Store } from "../../tui/state/store.js";
import { waitFor } from "../helpers/daemon.js";
import { runtime, seed } from "./fixtures.js";

process.env.FORCE_COLOR = "1";
// Ink reads CI / CONTINUOUS_INTEGRATION once, when it loads, and then draws only the final
// frame; this file watches live frames (as runTui hides them from Ink on a terminal)
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { render } = await import("ink");
const { App } = await import("../../tui/components/app.js");

/**
 * The pane painter against Ink drawing the bodies itself, both into a real terminal emulator
 * (@xterm/headless, as the daemon uses): the screens must be the same cell for cell, while
 * a new screen makes the painter write only that pane's rows.
 */
const COLS = 120;
const ROWS = 40;

class Term extends EventEmitter {
  readonly term = new headless.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true, convertEol: true });
  columns = COLS;
  rows = ROWS;
  isTTY = true;
  writes: string[] = [];
  private pending = 0;
  write(s: string): boolean {
    this.writes.push(s);
    this.pending++;
    this.term.write(s, () => this.pending--);
    return true;
  }
  /** The screen as text, one string per row, once the emulator has parsed everything written. */
  text(): string[] | null {
    if (this.pending > 0) return null;
    const b = this.term.buffer.active;
    return Array.from({ length: ROWS }, (_, y) => b.getLine(y)?.translateToString(true) ?? "");
  }
  /** Foreground colour of the cell at (x, y), as xterm reports it. */
  fg(x: number, y: number): number {
    return this.term.buffer.active.getLine(y)!.getCell(x)!.getFgColor();
  }
}

const stdin = () => Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {}, ref: () => {}, unref: () => {} });
const screen = (lines: string[], at: number) => ({ ansi: lines.join("\r\n"), cols: 40, rows: 10, at });
const fx = { rpc() {}, attach() {}, quit() {} };
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((f) => f()));

function mount(store: Store, painted: boolean): { t: Term; painter?: PanePainter } {
  const t = new Term();
  let painter: PanePainter | undefined;
  let unsub = () => {};
  if (painted) {
    const p = new PanePainter({ write: (s) => t.write(s), screens: () => store.getState().data.screens, maxFps: 60 });
    unsub = feedPainter(store, p);
    painter = p;
  }
  const out = (painter ? paintingStdout(t as unknown as NodeJS.WriteStream, painter) : t) as unknown as NodeJS.WriteStream;
  const ink = render(React.createElement(App, { store, fx, ...(painter ? { painter } : {}) }), {
    stdout: out,
    stdin: stdin() as unknown as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  stops.push(() => (unsub(), painter?.stop(), ink.unmount()));
  return painter ? { t, painter } : { t };
}

function seeded(): Store {
  const store = createStore();
  seed(store, { runtimes: ["a1", "a2", "a3"].map((n) => runtime(n)) });
  store.dispatch({ type: "data/screen", name: "a1", screen: screen(["\x1b[32mgreen a1\x1b[0m plain", "> "], 1) });
  store.dispatch({ type: "data/screen", name: "a2", screen: screen(["a2 line 1", "a2 line 2 宽字 wide"], 1) });
  return store;
}

/** Waits until both terminals show the same screen, one that has `want` (text, or a test of the whole screen); returns it. */
async function same(a: Term, b: Term, want: string | ((screen: string) => boolean)): Promise<string[]> {
  const ok = typeof want === "string" ? (s: string) => s.includes(want) : want;
  let last = "";
  try {
    return await waitFor(
      `both terminals showing ${typeof want === "string" ? `"${want}"` : "the screen asked for"} alike`,
      () => {
        const x = a.text();
        const y = b.text();
        if (!x || !y) return null;
        last = x.join("\n") + "\n--- painted ---\n" + y.join("\n");
        return ok(x.join("\n")) && x.join("\n") === y.join("\n") ? y : null;
      },
      5000,
      5,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- Ink ---\n${last}`);
  }
}

describe("pane painter (bodies drawn outside Ink)", () => {
  it("draws the same screen as Ink, styles kept; a new screen writes only that pane's rows", async () => {
    const s1 = seeded();
    const s2 = seeded();
    const ink = mount(s1, false).t;
    const { t, painter } = mount(s2, true);
    const rows = await same(ink, t, "a2 line 2 宽字 wide");
    expect(rows.join("\n")).toContain("green a1 plain");
    expect(rows.join("\n")).toContain("(loading screen…)"); // a3 has no screen yet: Ink draws its placeholder
    const y = rows.findIndex((r) => r.includes("green a1"));
    const x = rows[y]!.indexOf("green a1");
    expect(t.fg(x, y)).toBe(ink.fg(x, y));
    expect(t.fg(x, y)).toBe(2); // green, as the agent drew it

    const before = t.writes.length;
    const frames = painter!.frames;
    for (const s of [s1, s2]) s.dispatch({ type: "data/screens", screens: { a2: screen(["a2 now says", "something else"], 2) } });
    await same(ink, t, "something else");
    const mine = t.writes.slice(before).join("");
    // no Ink frame: one painter frame, synchronized, touching no other pane
    expect(painter!.frames).toBe(frames + 1);
    expect(mine.startsWith("\x1b[?2026h") && mine.endsWith("\x1b[?2026l")).toBe(true);
    expect(mine).not.toContain("green a1");
    expect(mine).not.toContain("─");
  });

  it("follows Ink through layout changes: zoom, help over the panes, list layout, a resize", async () => {
    const s1 = seeded();
    const s2 = seeded();
    const ink = mount(s1, false).t;
    const { t } = mount(s2, true);
    await same(ink, t, "green a1");
    const both = (a: Parameters<Store["dispatch"]>[0]) => [s1, s2].forEach((s) => s.dispatch(a));
    both({ type: "ui/zoom", name: "a2" });
    const zoomed = await same(ink, t, (s) => s.includes("a2 line 1") && !s.includes("green a1"));
    expect(zoomed[2]!.length).toBe(COLS); // the zoomed pane spans the terminal
    both({ type: "ui/zoom", name: null });
    both({ type: "ui/help", open: true });
    const help = await same(ink, t, "Keys (Esc or ? closes)");
    expect(help.join("\n")).not.toContain("a2 line 1");
    both({ type: "ui/help", open: false });
    both({ type: "ui/layout" });
    both({ type: "ui/select", view: "agents", index: 1 });
    const list = await same(ink, t, (s) => s.includes("a2 line 2") && !s.includes("green a1"));
    expect(list.join("\n")).toMatch(/a3 +custom/); // the agent list above the focused pane
    for (const x of [ink, t]) {
      x.columns = 80;
      x.rows = 24;
      x.term.resize(80, 24);
      x.emit("resize");
    }
    const small = await same(ink, t, (s) => s.split("\n")[0]!.trimEnd().length <= 80 && s.includes("a2 line 1"));
    expect(small[0]).toContain("q quit");
  });

  it("caps its own frames at maxFps however fast screens come, and the last screen is drawn", async () => {
    const store = seeded();
    const { t, painter } = mount(store, true);
    await waitFor("first frame", () => t.text()?.join("\n").includes("green a1"), 5000, 5);
    const f0 = painter!.frames;
    const t0 = performance.now();
    let k = 0;
    while (performance.now() - t0 < 500) {
      store.dispatch({ type: "data/screens", screens: { a2: screen([`burst ${k++}`], 10 + k) } });
      await new Promise((r) => setImmediate(r));
    }
    const ms = performance.now() - t0;
    await waitFor(
      "the last screen painted",
      () =>
        t
          .text()
          ?.join("\n")
          .includes(`burst ${k - 1}`),
      5000,
      5,
    );
    const frames = painter!.frames - f0;
    expect(k).toBeGreaterThan(100); // many more screens than frames
    expect(frames).toBeGreaterThan(1);
    expect(frames).toBeLessThanOrEqual(Math.ceil((ms / 1000) * 60) + 2); // mount() caps at 60
  });
});
