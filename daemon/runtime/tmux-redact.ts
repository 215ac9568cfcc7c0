import { MASK, redactionValues, redactText } from "../secrets/redactor.js";
import type { TmuxServer } from "./tmux/index.js";

/**
 * Redaction for tmux runtimes (R-O4). tmux keeps the pane's text itself and swarm only
 * reads it (capture-pane), so there is no stream to filter as the holder does: every screen,
 * scrollback and ansi capture is masked as it is read, before a detector, a client or the
 * registry sees it. The values live in the tmux server as a session option (in memory, like
 * the pane's own environment and scrollback that hold them anyway), so a restarted daemon
 * that adopts the session masks the same values; nothing of them is written under SWARM_HOME.
 */
export const REDACT_OPTION = "@swarm_redact";

/**
 * Remembers the values in the session, for adoption after a daemon restart. Base64 of the
 * JSON: tmux may quote or escape characters of an option value when it prints it back.
 * False when tmux refused: this daemon still masks, a restarted one would not.
 */
export async function saveRedaction(server: TmuxServer, session: string, values: readonly string[]): Promise<boolean> {
  if (values.length === 0) return true;
  const r = await server.raw(["set-option", "-t", `=${session}:`, REDACT_OPTION, Buffer.from(JSON.stringify(values)).toString("base64")]);
  return r.code === 0;
}

/** The values a session was started with; none for a session started without redaction (or by an older swarmd). */
export async function loadRedaction(server: TmuxServer, session: string): Promise<string[]> {
  const r = await server.raw(["show-options", "-v", "-t", `=${session}:`, REDACT_OPTION]);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  try {
    const v = JSON.parse(Buffer.from(r.stdout.trim(), "base64").toString("utf8")) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Colour and attribute sequences (capture-pane -e): they take no cells. */
const SGR = /\x1b\[[0-9;:]*m/g;

/**
 * Screen rows (plain, or with SGR sequences as capture-pane -e gives them) with every value masked, also a value that wraps from one row into the next
 * (a row as wide as the pane may continue on the next one): each row's part of a match
 * becomes MASK, so a split value leaves no half behind.
 */
export function maskRows(rows: readonly string[], cols: number, values: readonly string[]): string[] {
  const needles = redactionValues(values).sort((a, b) => b.length - a.length);
  if (needles.length === 0) return [...rows];
  // one string, rows that fill the width joined to the next without a break
  let joined = "";
  const rowOf: number[] = [];
  rows.forEach((r, i) => {
    for (let k = 0; k < r.length; k++) rowOf.push(i);
    joined += r;
    if (i < rows.length - 1 && [...r.replace(SGR, "")].length < cols) {
      joined += "\n";
      rowOf.push(-1);
    }
  });
  const hit = new Uint8Array(joined.length);
  for (const n of needles) {
    for (let at = joined.indexOf(n); at >= 0; at = joined.indexOf(n, at + n.length)) hit.fill(1, at, at + n.length);
  }
  if (!hit.includes(1)) return [...rows];
  const out = rows.map(() => "");
  for (let k = 0; k < joined.length; k++) {
    const row = rowOf[k]!;
    if (row < 0) continue;
    if (!hit[k]) out[row] = out[row]! + joined[k]!;
    else if (k === 0 || !hit[k - 1] || rowOf[k - 1] !== row) out[row] = out[row]! + MASK; // a masked run starts (or continues onto this row)
  }
  return out;
}

/** Free text (a title) with every value masked. */
export function maskText(text: string, values: readonly string[]): string {
  return values.length ? redactText(text, values) : text;
}
