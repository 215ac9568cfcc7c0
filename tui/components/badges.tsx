import React from "react";
import { Text } from "ink";

const STATE_COLOR: Record<string, string> = {
  starting: "cyan",
  working: "green",
  idle: "gray",
  waiting_input: "yellow",
  asking_approval: "magenta",
  exited: "red",
  lost: "red",
};

/** A runtime's state as a coloured badge: `[working]`. */
export function StateBadge({ state }: { state: string }) {
  return <Text color={STATE_COLOR[state] ?? "white"}>[{state}]</Text>;
}

const TICKET_COLOR: Record<string, string> = {
  backlog: "gray",
  ready: "cyan",
  claimed: "blue",
  running: "green",
  review: "magenta",
  blocked: "yellow",
  done: "greenBright",
  failed: "red",
  cancelled: "gray",
};
export const ticketColor = (state: string) => TICKET_COLOR[state] ?? "white";

/** Cuts a plain string to `width` cells with an ellipsis. */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  const one = text.replace(/\s+/g, " ");
  return one.length <= width ? one : one.slice(0, Math.max(0, width - 1)) + "…";
}

/** `12s`, `4m`, `3h` ago (or until, for a time in the future). */
export function ago(iso: string | null, now: number): string {
  if (!iso) return "-";
  const ms = now - Date.parse(iso);
  const a = Math.abs(ms) / 1000;
  const txt = a < 60 ? `${Math.round(a)}s` : a < 3600 ? `${Math.round(a / 60)}m` : a < 86400 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86400)}d`;
  return ms >= 0 ? `${txt} ago` : `in ${txt}`;
}
