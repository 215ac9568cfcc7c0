import { needsYou } from "../state/select.js";
import type { Store } from "../state/store.js";

export type NotifyMode = "off" | "bell" | "osc9";
export const NOTIFY_MODES: NotifyMode[] = ["off", "bell", "osc9"];

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

/** Watches the store and notifies the terminal; returns the function that stops it. */
export function watchNeedsYou(store: Store, mode: NotifyMode, write: (s: string) => void): () => void {
  if (mode === "off") return () => {};
  let prev = needsYou(store.getState()).length;
  return store.subscribe(() => {
    const items = needsYou(store.getState());
    const out = notification(prev, items.length, mode, items[items.length - 1]?.label);
    prev = items.length;
    if (out) write(out);
  });
}
