import { needsYou } from "../state/select.js";
import type { Store } from "../state/store.js";

import { TUI_NOTIFY_MODES } from "../../protocol/config/schema.js";

export type NotifyMode = (typeof TUI_NOTIFY_MODES)[number];
export const NOTIFY_MODES: readonly NotifyMode[] = TUI_NOTIFY_MODES;

/**
 * What to write to the terminal when the needs-you count goes from `prev` to `next`: a bell,
 * or an OSC 9 desktop notification (iTerm2, kitty, WezTerm, Windows Terminal), only when
 * something new needs the person, never for something going away.
 */
export function notification(prev: number, next: number, mode: NotifyMode, first: string | undefined): string {
  if (mode === "off" || next <= prev) return "";
  if (mode === "bell") return "\x07";
  const what = first ? `: ${first.replace(/[\x00-\x1f]/g, " ")}` : "";
  return `\x1b]9;swarm: ${next} thing(s) need you${what}\x07`;
}

/** Watches the store and notifies the terminal in the mode `mode()` says now; returns the function that stops it. */
export function watchNeedsYou(store: Store, mode: () => NotifyMode, write: (s: string) => void): () => void {
  let prev = needsYou(store.getState()).length;
  return store.subscribe(() => {
    const items = needsYou(store.getState());
    const out = notification(prev, items.length, mode(), items[items.length - 1]?.label);
    prev = items.length;
    if (out) write(out);
  });
}

/** `given` (--notify) when set, else the daemon's tui.notify, read once connected (`off` until then, and when unreadable). */
export function notifyMode(store: Store, configured: () => Promise<unknown>, given: NotifyMode | undefined): () => NotifyMode {
  let mode: NotifyMode = given ?? "off";
  if (!given) {
    const stop = store.subscribe(() => {
      if (store.getState().conn.status !== "connected") return;
      stop();
      configured().then(
        (v) => void (mode = NOTIFY_MODES.includes(v as NotifyMode) ? (v as NotifyMode) : "off"),
        () => {},
      );
    });
  }
  return () => mode;
}
