import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import React from "react";
import type { Effects } from "../../tui/keys/types.js";
import { stripAnsi } from "../../tui/render/ansi-crop.js";
import type { Store } from "../../tui/state/store.js";
import { waitFor } from "../helpers/daemon.js";

/**
 * A terminal-sized stdout that keeps every frame Ink draws (Ink's debug mode writes each
 * frame whole): ink-testing-library's method, with a size, since its own stdout (4.0) is
 * always 100 columns, has no rows and never resizes.
 */
class FrameStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.frames.push(chunk);
    return true;
  }
}

/** A keyboard: what Ink's useInput reads. */
function fakeStdin(): NodeJS.ReadStream {
  const s = new PassThrough() as unknown as NodeJS.ReadStream & { isTTY: boolean };
  s.isTTY = true;
  s.setRawMode = () => s;
  s.ref = () => s;
  s.unref = () => s;
  return s;
}

export interface Rendered {
  /** The newest frame without styles, trailing spaces trimmed per line. */
  frame(): string;
  /** The newest frame as drawn (with styles). */
  styled(): string;
  frameCount(): number;
  /** Resolves with the first frame (from now on) for which `pred` holds. */
  waitFrame(what: string, pred: (frame: string) => boolean, ms?: number): Promise<string>;
  press(...keys: string[]): void;
  resize(cols: number, rows: number): void;
  unmount(): void;
  calls: { method: string; params: unknown }[];
  attached: string[];
  visible: Map<string, number>[];
}

const KEY_BYTES: Record<string, string> = {
  enter: "\r",
  escape: "\x1b",
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  tab: "\t",
  backspace: "\x7f",
  pagedown: "\x1b[6~",
  pageup: "\x1b[5~",
};

export const plain = (s: string) =>
  stripAnsi(s)
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trimEnd();

/*
 * Colours are decided when chalk loads (Ink's dependency): force them so styled frames can
 * be checked, then load Ink and the App.
 */
process.env.FORCE_COLOR = "1";
const { render } = await import("ink");
const { App } = await import("../../tui/components/app.js");

/** Renders the real App over a store, with effects recorded instead of sent to a daemon. */
export function renderApp(store: Store, opts: { cols?: number; rows?: number; fx?: Partial<Effects> } = {}): Rendered {
  const stdout = new FrameStdout(opts.cols ?? 100, opts.rows ?? 30);
  const stdin = fakeStdin();
  const r: Omit<Rendered, "frame" | "styled" | "frameCount" | "waitFrame" | "press" | "resize" | "unmount"> = { calls: [], attached: [], visible: [] };
  const fx: Effects = {
    rpc: (method, params) => void r.calls.push({ method, params }),
    attach: (name) => void r.attached.push(name),
    quit: () => void r.calls.push({ method: "quit", params: null }),
    ...opts.fx,
  };
  const ink = render(<App store={store} fx={fx} onVisible={(v) => r.visible.push(v)} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const last = () => stdout.frames[stdout.frames.length - 1] ?? "";
  return {
    ...r,
    frame: () => plain(last()),
    styled: last,
    frameCount: () => stdout.frames.length,
    waitFrame: async (what, pred, ms = 5000) =>
      waitFor(`frame: ${what}\n--- last frame ---\n${plain(last())}`, () => (pred(plain(last())) ? plain(last()) : null), ms, 5),
    press: (...keys) => {
      for (const k of keys) stdin.write(KEY_BYTES[k] ?? k);
    },
    resize: (cols, rows) => {
      stdout.columns = cols;
      stdout.rows = rows;
      stdout.emit("resize");
    },
    unmount: () => ink.unmount(),
  };
}
