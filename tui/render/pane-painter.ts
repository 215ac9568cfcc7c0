import type { Store } from "../state/store.js";
import type { PaneScreen } from "../state/types.js";
import { cropScreen } from "./ansi-crop.js";

/** A pane body on the terminal: 0-based cell coordinates of its top-left, its size in cells. */
export interface BodyRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const BSU = "\x1b[?2026h";
export const ESU = "\x1b[?2026l";
/** Save / restore the cursor (and SGR): Ink moves its cursor relatively, so we leave it where it was. */
const SAVE = "\x1b7";
const RESTORE = "\x1b8";

interface Painted {
  rect: BodyRect;
  screen: PaneScreen;
  lines: string[];
}

const sameRect = (a: BodyRect, b: BodyRect) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/** The bytes that draw `lines` into `rect`: each row erased to the rect's width, then written. */
export function paintBody(rect: BodyRect, lines: string[]): string {
  let out = "";
  for (let i = 0; i < rect.height; i++) out += `\x1b[${rect.y + i + 1};${rect.x + 1}H\x1b[0m\x1b[${rect.width}X${lines[i] ?? ""}`;
  return out + "\x1b[0m";
}

export interface PainterOptions {
  /** Writes to the real terminal. */
  write(s: string): void;
  /** The latest screens (the store's data.screens). */
  screens(): Record<string, PaneScreen>;
  /** At most this many pane-only frames per second. */
  maxFps?: number;
  /** Wrap each frame in synchronized output (a terminal); off for pipes. */
  sync?: boolean;
}

/**
 * Draws the agents' pane bodies outside Ink. Ink draws the frame with the bodies left blank
 * (its cost per frame was the whole 200x60 cell grid, every styled line re-tokenized, whether
 * one pane changed or sixteen); this paints each body's cropped screen at its place, and
 * only the bodies whose screen changed. Two kinds of frame:
 * - after every frame Ink writes, all bodies, inside the same synchronized-output frame
 *   (Ink's frame blanked them), with the layout of the tree Ink just drew;
 * - when only screens changed, just those bodies, in a frame of their own, at most
 *   `maxFps` a second.
 */
export class PanePainter {
  /** Layout of the tree React rendered last; becomes `drawn` when Ink writes it. */
  private next = new Map<string, BodyRect>();
  private drawn = new Map<string, BodyRect>();
  private painted = new Map<string, Painted>();
  private timer: NodeJS.Timeout | null = null;
  private lastFrame = 0;
  private stopped = false;
  /** Frames this painter wrote on its own (screens changed, chrome did not). */
  frames = 0;

  constructor(private readonly o: PainterOptions) {}

  /** The bodies of the tree being rendered (called from render; takes effect with Ink's next write). */
  setLayout(rects: Map<string, BodyRect>): void {
    this.next = rects;
  }

  /** Ink wrote a frame: the bodies are blank now. Returns the bytes that paint all of them (to go inside Ink's frame). */
  inkWrote(): string {
    this.drawn = this.next;
    for (const name of this.painted.keys()) if (!this.drawn.has(name)) this.painted.delete(name);
    return this.stopped ? "" : this.paint(true);
  }

  /** Screens changed: paint the changed bodies soon (coalesced, capped at maxFps). */
  screensChanged(): void {
    if (this.timer || this.stopped) return;
    const gap = 1000 / (this.o.maxFps ?? 30);
    const wait = Math.max(0, this.lastFrame + gap - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      const bytes = this.paint(false);
      if (!bytes) return;
      this.lastFrame = performance.now();
      this.frames++;
      this.o.write(this.o.sync === false ? bytes : BSU + bytes + ESU);
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Bytes for the bodies whose screen or place changed since painted (all of them when `all`). */
  private paint(all: boolean): string {
    const screens = this.o.screens();
    let out = "";
    for (const [name, rect] of this.drawn) {
      const screen = screens[name];
      if (!screen || rect.width <= 0 || rect.height <= 0) continue;
      const prev = this.painted.get(name);
      if (!all && prev && prev.screen === screen && sameRect(prev.rect, rect)) continue;
      // cropping is the costly part: redo it only for a new screen or size
      const lines =
        prev && prev.screen === screen && prev.rect.width === rect.width && prev.rect.height === rect.height
          ? prev.lines
          : cropScreen(screen.ansi, { srcCols: screen.cols, width: rect.width, height: rect.height });
      this.painted.set(name, { rect, screen, lines });
      out += paintBody(rect, lines);
    }
    return out ? SAVE + out + RESTORE : "";
  }
}

/** Tells the painter whenever the store's screens change; returns the unsubscribe. */
export function feedPainter(store: Store, painter: PanePainter): () => void {
  let last = store.getState().data.screens;
  return store.subscribe(() => {
    const now = store.getState().data.screens;
    if (now === last) return;
    last = now;
    painter.screensChanged();
  });
}
