import { bodyRows, gridFor } from "../state/layout.js";
import { agentList, focusedAgent } from "../state/select.js";
import type { Binding, KeyCtx } from "./types.js";

function move(c: KeyCtx): boolean {
  const count = agentList(c.state).length;
  const grid = c.state.ui.layout === "grid" ? gridFor(count, c.size.cols, bodyRows(c.size.rows)) : null;
  const across = grid?.columns ?? 1;
  const delta = { left: -1, h: -1, right: 1, l: 1, up: -across, k: -across, down: across, j: across }[c.key] ?? 0;
  c.dispatch({ type: "ui/move", delta, count });
  return true;
}

/** The focused agent, or a flash saying there is none. */
function withAgent(c: KeyCtx, fn: (name: string) => void): boolean {
  const r = focusedAgent(c.state);
  if (!r) c.dispatch({ type: "ui/flash", flash: { text: "no agent selected", tone: "error" }, at: Date.now() });
  else fn(r.name);
  return true;
}

/** The focused agent if its program still runs; for one that ended, a flash naming what to do instead. */
function withLiveAgent(c: KeyCtx, fn: (name: string) => void): boolean {
  return withAgent(c, (name) => {
    const r = focusedAgent(c.state);
    if (r && (r.state === "exited" || r.state === "lost")) {
      const text = `${name} has ${r.state === "lost" ? "been lost" : "exited"}: s starts an agent; swarmctl runtime resume ${name} continues its session`;
      c.dispatch({ type: "ui/flash", flash: { text, tone: "error" }, at: Date.now() });
    } else fn(name);
  });
}

export const AGENT_BINDINGS: Binding[] = [
  { context: "agents", keys: ["left", "right", "up", "down", "h", "j", "k", "l"], description: "move the focus between panes", run: move },
  {
    context: "agents",
    keys: ["enter"],
    description: "zoom the focused agent to full size",
    run: (c) => withAgent(c, (name) => c.dispatch({ type: "ui/zoom", name })),
  },
  {
    context: "agents",
    keys: ["a"],
    description: "attach: type straight into the agent's terminal (Ctrl-] detaches)",
    run: (c) => withLiveAgent(c, (name) => c.fx.attach(name)),
  },
  {
    context: "agents",
    keys: ["p"],
    description: "prompt: send a line of text to the focused agent",
    run: (c) =>
      withLiveAgent(c, (name) =>
        c.dispatch({ type: "ui/modal", modal: { kind: "prompt", purpose: { kind: "send", runtime: name }, label: `send to ${name}`, value: "" } }),
      ),
  },
  {
    context: "agents",
    keys: ["s"],
    description: "start an agent: NAME [KIND] [-- COMMAND…]",
    run: (c) => (
      c.dispatch({ type: "ui/modal", modal: { kind: "prompt", purpose: { kind: "start" }, label: "start NAME [KIND] [-- COMMAND]", value: "" } }),
      true
    ),
  },
  {
    context: "agents",
    keys: ["x"],
    description: "stop the focused agent (SIGTERM, asks first)",
    run: (c) =>
      withAgent(c, (name) => c.dispatch({ type: "ui/modal", modal: { kind: "confirm", text: `stop ${name}?`, action: { kind: "stop", runtime: name } } })),
  },
  {
    context: "agents",
    keys: ["K"],
    description: "kill the focused agent (SIGKILL, asks first)",
    run: (c) =>
      withAgent(c, (name) => c.dispatch({ type: "ui/modal", modal: { kind: "confirm", text: `kill ${name}?`, action: { kind: "kill", runtime: name } } })),
  },
  { context: "agents", keys: ["v"], description: "switch between the grid and the list layout", run: (c) => (c.dispatch({ type: "ui/layout" }), true) },
];

export const ZOOM_BINDINGS: Binding[] = [
  { context: "zoom", keys: ["escape", "enter"], description: "back to the grid", run: (c) => (c.dispatch({ type: "ui/zoom", name: null }), true) },
  {
    context: "zoom",
    keys: ["left", "right"],
    description: "zoom the previous / next agent",
    run: (c) => {
      const list = agentList(c.state);
      c.dispatch({ type: "ui/move", delta: c.key === "left" ? -1 : 1, count: list.length });
      const i = Math.max(0, Math.min(list.length - 1, c.state.ui.cursor.agents + (c.key === "left" ? -1 : 1)));
      c.dispatch({ type: "ui/zoom", name: list[i]?.name ?? null });
      return true;
    },
  },
  { context: "zoom", keys: ["up", "down", "h", "j", "k", "l"], description: "(the focus stays on the zoomed agent)", run: () => true },
];
