import headless from "@xterm/headless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFastOutput } from "../../tui/render/fast-output.js";
import { createStore } from "../../tui/state/store.js";
import { approval, env, event, runtime, seed, thread, ticket } from "./fixtures.js";
import { renderApp } from "./harness.js";

/**
 * The fast cell grid (tui/render/fast-output.ts) against Ink's own, frame by frame: every
 * frame the real App draws while it goes through the views is made by both, and both texts
 * are drawn in a terminal emulator, where every cell must match (character, colours, bold,
 * dim, italic, underline, inverse).
 */
type Get = (this: unknown) => { output: string; height: number };
const pairs: [string, string][] = [];
let restore = () => {};

beforeAll(async () => {
  const mod = (await import(new URL("./output.js", import.meta.resolve("ink")).href)) as { default: { prototype: { get: Get } } };
  const proto = mod.default.prototype;
  const inkGet = proto.get;
  const put = await installFastOutput();
  const fast = proto.get;
  put();
  // both, every frame; Ink's goes to the screen
  proto.get = function (this: unknown) {
    const a = inkGet.call(this);
    pairs.push([a.output, fast.call(this).output]);
    return a;
  };
  restore = () => (proto.get = inkGet);
});
afterAll(() => restore());

function cells(text: string, cols: number, rows: number): Promise<string[]> {
  const t = new headless.Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  return new Promise((resolve) =>
    t.write(text, () => {
      const b = t.buffer.active;
      const out: string[] = [];
      const c = b.getNullCell();
      for (let y = 0; y < rows; y++)
        for (let x = 0; x < cols; x++) {
          b.getLine(y)!.getCell(x, c);
          const attrs = [
            c.getFgColorMode(),
            c.getFgColor(),
            c.getBgColorMode(),
            c.getBgColor(),
            c.isBold(),
            c.isDim(),
            c.isItalic(),
            c.isUnderline(),
            c.isInverse(),
          ];
          out.push(`${y},${x} ${JSON.stringify(c.getChars())} ${attrs.join(",")}`);
        }
      t.dispose();
      resolve(out);
    }),
  );
}

describe("fast cell grid for Ink's frames", () => {
  it("draws the same cells as Ink's own in every view (styles, wide characters, borders, inverse, backgrounds)", async () => {
    const store = createStore();
    seed(store, {
      runtimes: [runtime("a1", { environment: "e1" }), runtime("a2", { state: "asking_approval", why: "Allow? prompt" }), runtime("宽3")],
      tickets: [ticket("t-1", { state: "running", lease_owner: "a1" }), ticket("t-2", { state: "backlog", depends_on: ["t-1"], labels: ["ui"] })],
      approvals: [approval("ap-1")],
      approval: approval("ap-1"),
      threads: [thread("th-1", { status: "blocked" }), thread("th-2", { unread: 0 })],
      envs: [env("e1")],
      events: [event(1, "ticket.created", "t-1"), event(2, "runtime.state", "a1", { state: "idle" })],
    });
    const scr = (ansi: string) => ({ ansi, cols: 40, rows: 10, at: 1 });
    store.dispatch({
      type: "data/screen",
      name: "a1",
      screen: scr("\x1b[1;32mbold green\x1b[0m \x1b[2mdim\x1b[0m \x1b[3;4mitalic under\x1b[0m\r\n\x1b[7minverse\x1b[27m \x1b[48;5;17mbg\x1b[0m 宽字 ok"),
    });
    store.dispatch({ type: "data/screen", name: "a2", screen: scr("\x1b[38;2;255;100;0mtruecolor\x1b[39m Allow? (y/n)") });
    const r = renderApp(store, { cols: 120, rows: 30 });
    try {
      await r.waitFrame("agents", (f) => f.includes("bold green"));
      const steps: [string[], (f: string) => boolean][] = [
        [["enter"], (f) => !f.includes("Allow? (y/n)")],
        [["escape", "?"], (f) => f.includes("Keys (Esc or ? closes)")],
        [["escape", "2"], (f) => f.includes("t-2")],
        [["3", "enter"], (f) => f.includes("ap-1 diff")],
        [["escape", "4"], (f) => f.includes("th-1")],
        [["5"], (f) => f.includes("ticket.created")],
        [["6"], (f) => f.includes("e1")],
        [["7"], (f) => f.includes("Coordinator")],
        [["1", "p", "h", "i"], (f) => f.includes("send to a1: hi")],
      ];
      for (const [keys, seen] of steps) {
        r.press(...keys);
        await r.waitFrame(keys.join(" "), seen);
      }
    } finally {
      r.unmount();
    }
    expect(pairs.length).toBeGreaterThanOrEqual(9);
    let sameBytes = 0;
    for (const [ink, fast] of pairs) {
      if (ink === fast) sameBytes++;
      expect(await cells(fast, 120, 30)).toEqual(await cells(ink, 120, 30));
    }
    // the texts themselves differ (styles are written per run): else this test would compare nothing new
    expect(sameBytes).toBeLessThan(pairs.length);
  });
});
