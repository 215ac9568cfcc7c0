import { afterEach, describe, expect, it } from "vitest";
import type { Effects, RpcFailure } from "../../tui/keys/types.js";
import { createStore } from "../../tui/state/store.js";
import { runtime, seed } from "./fixtures.js";
import { renderApp, type Rendered } from "./harness.js";

/**
 * The prompt box after runtime.send is refused: over the agent's draft or a person's recent
 * typing it offers "send anyway" (force: true); over an approval prompt (force never answers
 * one) it only says why. The daemon's refusal is played by the effects (the refusal itself is
 * tested against a real daemon in test/runtime).
 */
const views: Rendered[] = [];
afterEach(() => views.splice(0).forEach((r) => r.unmount()));

function open(refusal: RpcFailure | null) {
  const store = createStore();
  seed(store, { runtimes: [runtime("a1")] });
  store.dispatch({ type: "data/screen", name: "a1", screen: { ansi: "> half a thought", cols: 40, rows: 10, at: 1 } });
  const sent: { params: unknown }[] = [];
  const rpc: Effects["rpc"] = (method, params, done, failed) => {
    if (method !== "runtime.send") return;
    sent.push({ params });
    const forced = (params as { force?: boolean }).force === true;
    // answered later, as the daemon would
    setImmediate(() => {
      if (refusal && !forced && failed?.(refusal)) return;
      store.dispatch({
        type: "ui/flash",
        flash: refusal && !forced ? { text: `runtime.send: ${refusal.message}`, tone: "error" } : { text: done ?? "done", tone: "info" },
        at: Date.now(),
      });
    });
  };
  const r = renderApp(store, { cols: 140, rows: 30, fx: { rpc } });
  views.push(r);
  return { r, sent };
}

const DRAFT: RpcFailure = {
  kind: "CONFLICT",
  message: 'runtime a1: its input line holds text that is not ours ("half a thought"); nothing was sent',
  details: { status: "refused", reason: "draft", draft: "half a thought" },
};

describe("prompt box: send refused, then send anyway", () => {
  it("a draft in the input line: the box asks, y sends the same text with force", async () => {
    const { r, sent } = open(DRAFT);
    await r.waitFrame("the pane", (f) => f.includes("half a thought"));
    r.press("p");
    await r.waitFrame("the prompt", (f) => f.includes("send to a1:"));
    r.press("hello", "enter");
    const ask = await r.waitFrame("send anyway?", (f) => f.includes("Send anyway? (y/n)"));
    expect(ask).toContain('not sent to a1: its input line holds text that is not ours ("half a thought"). Send anyway? (y/n)');
    expect(sent).toEqual([{ params: { name: "a1", text: "hello" } }]);
    r.press("y");
    await r.waitFrame("sent", (f) => f.includes("sent to a1 (over the draft or typing)"));
    expect(sent).toEqual([{ params: { name: "a1", text: "hello" } }, { params: { name: "a1", text: "hello", force: true } }]);
  });

  it("a person typing: n leaves it unsent; an approval prompt is only reported, with no offer", async () => {
    const typing = {
      kind: "CONFLICT",
      message: "runtime a1: a person typed into it 2 s ago (quiet window 5000 ms); nothing was sent",
      details: { reason: "human_typing" },
    };
    const a = open(typing);
    a.r.press("p", "x", "enter");
    await a.r.waitFrame("send anyway?", (f) => f.includes("a person typed into it 2 s ago (quiet window 5000 ms). Send anyway? (y/n)"));
    a.r.press("n");
    await a.r.waitFrame("question gone", (f) => !f.includes("Send anyway?"));
    expect(a.sent).toHaveLength(1);

    const approval = {
      kind: "CONFLICT",
      message: 'runtime a1: it is asking_approval ("Allow?"), and Enter would answer it; nothing was sent',
      details: { reason: "asking_approval" },
    };
    const b = open(approval);
    b.r.press("p", "x", "enter");
    const f = await b.r.waitFrame("the refusal", (f) => f.includes("runtime.send: runtime a1: it is asking_approval"));
    expect(f).not.toContain("Send anyway?");
    expect(b.sent).toHaveLength(1);
  });
});
