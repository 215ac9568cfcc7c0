import { VIEWS, VIEW_TITLES, type TuiState } from "../state/types.js";
import { AGENT_BINDINGS, ZOOM_BINDINGS } from "./agents.js";
import { GLOBAL_BINDINGS, HELP_BINDINGS } from "./global.js";
import { LIST_BINDINGS } from "./lists.js";
import { MODAL_BINDINGS } from "./modal.js";
import type { Binding, Context, KeyCtx } from "./types.js";
import { helpLayout } from "../state/help-layout.js";
import { bodyRows } from "../state/layout.js";

/** Scrolls a help that needs more than one page (help-layout.ts); under the help, nothing else moves. */
function scrollHelp(c: KeyCtx): boolean {
  const l = helpLayout(helpFor(c.state).length, c.size.cols, bodyRows(c.size.rows));
  if (!l.paged) return true;
  const page = l.columns * l.perColumn;
  const delta = { down: 1, j: 1, up: -1, k: -1, pagedown: page, space: page, pageup: -page }[c.key] ?? 0;
  c.dispatch({ type: "ui/help-scroll", delta, max: l.maxOffset });
  return true;
}

const HELP_SCROLL: Binding = {
  context: "help",
  keys: ["down", "j", "up", "k", "pagedown", "pageup", "space"],
  description: "scroll the help, when it has more keys than fit",
  run: scrollHelp,
};

/** Every key of the TUI, as data: the router, the `?` help and docs/tui.md all read this one table. */
export const KEYMAP: Binding[] = [...MODAL_BINDINGS, ...HELP_BINDINGS, HELP_SCROLL, ...ZOOM_BINDINGS, ...AGENT_BINDINGS, ...LIST_BINDINGS, ...GLOBAL_BINDINGS];

/** The contexts that see a key now, highest priority first. A modal sees every key alone. */
export function activeContexts(s: TuiState): Context[] {
  if (s.ui.modal) return ["modal"];
  const out: Context[] = [];
  if (s.ui.help) out.push("help");
  if (s.ui.view === "agents" && s.ui.zoomed) out.push("zoom");
  out.push(s.ui.view, "global");
  return out;
}

const matches = (b: Binding, c: KeyCtx) => b.keys.includes(c.key) || (c.isText && b.keys.includes("<text>"));

/**
 * Offers the key to each binding of the active contexts in priority order until one
 * consumes it. Returns whether any did.
 */
export function routeKey(c: KeyCtx, keymap: Binding[] = KEYMAP): boolean {
  const contexts = activeContexts(c.state);
  for (const ctx of contexts) {
    for (const b of keymap) if (b.context === ctx && matches(b, c) && b.run(c)) return true;
  }
  // an open modal owns the keyboard: keys it has no use for go nowhere
  return contexts[0] === "modal";
}

/** The bindings `?` shows for the current state (what the keys do here, most specific first). */
export function helpFor(s: TuiState, keymap: Binding[] = KEYMAP): Binding[] {
  const ctxs = activeContexts(s).filter((c) => c !== "help");
  return ctxs.flatMap((ctx) => keymap.filter((b) => b.context === ctx && !b.description.startsWith("(")));
}

const KEY_LABEL: Record<string, string> = { "<text>": "any text", space: "Space", enter: "Enter", escape: "Esc", backspace: "Backspace" };
export const keyLabel = (k: string) => KEY_LABEL[k] ?? k;

const CONTEXT_TITLE = (c: Context): string =>
  c === "global" ? "Everywhere" : c === "modal" ? "Prompts and questions" : c === "help" ? "Help" : c === "zoom" ? "Agents, zoomed" : VIEW_TITLES[c];

/** The key table of docs/tui.md, generated from KEYMAP. */
export function renderKeyTable(keymap: Binding[] = KEYMAP): string {
  const order: Context[] = ["global", "agents", "zoom", ...VIEWS.filter((v) => v !== "agents"), "modal", "help"];
  const out: string[] = [];
  for (const ctx of order) {
    const rows = keymap.filter((b) => b.context === ctx && !b.description.startsWith("("));
    if (rows.length === 0) continue;
    out.push(`### ${CONTEXT_TITLE(ctx)}`, "", "| Keys | Action |", "| --- | --- |");
    for (const b of rows) out.push(`| ${b.keys.map((k) => "`" + keyLabel(k).replace("|", "\\|") + "`").join(" ")} | ${b.description} |`);
    out.push("");
  }
  return out.join("\n");
}
