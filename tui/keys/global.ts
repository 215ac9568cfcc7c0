import { nextNeedsYou } from "../state/select.js";
import { VIEWS, VIEW_TITLES } from "../state/types.js";
import type { Binding } from "./types.js";

const viewKeys: Binding[] = VIEWS.map((v, i) => ({
  context: "global",
  keys: [String(i + 1)],
  description: `show ${VIEW_TITLES[v]}`,
  run: (c) => (c.dispatch({ type: "ui/view", view: v }), true),
}));

export const GLOBAL_BINDINGS: Binding[] = [
  ...viewKeys,
  {
    context: "global",
    keys: ["tab", "shift-tab"],
    description: "next / previous view",
    run: (c) => {
      const i = VIEWS.indexOf(c.state.ui.view) + (c.key === "tab" ? 1 : VIEWS.length - 1);
      c.dispatch({ type: "ui/view", view: VIEWS[i % VIEWS.length]! });
      return true;
    },
  },
  {
    context: "global",
    keys: ["n"],
    description: "jump to the next thing that needs you (approval, waiting agent, escalated thread)",
    run: (c) => {
      const next = nextNeedsYou(c.state);
      if (!next) c.dispatch({ type: "ui/flash", flash: { text: "nothing needs you", tone: "info" }, at: Date.now() });
      else {
        if (c.state.ui.filter[next.view]) c.dispatch({ type: "ui/filter", view: next.view, text: "" });
        c.dispatch({ type: "ui/zoom", name: null });
        c.dispatch({ type: "ui/select", view: next.view, index: next.index });
      }
      return true;
    },
  },
  {
    context: "global",
    keys: ["/"],
    description: "filter the current view (Enter keeps it, empty clears it)",
    run: (c) => {
      const view = c.state.ui.view;
      c.dispatch({ type: "ui/modal", modal: { kind: "prompt", purpose: { kind: "filter", view }, label: "filter", value: c.state.ui.filter[view] } });
      return true;
    },
  },
  { context: "global", keys: ["?"], description: "show or hide the keys of this view", run: (c) => (c.dispatch({ type: "ui/help" }), true) },
  { context: "global", keys: ["q", "ctrl-c"], description: "quit the TUI (agents keep running in the daemon)", run: (c) => (c.fx.quit(), true) },
];

export const HELP_BINDINGS: Binding[] = [
  { context: "help", keys: ["escape", "?"], description: "close the help", run: (c) => (c.dispatch({ type: "ui/help", open: false }), true) },
];
