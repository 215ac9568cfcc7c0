import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { ScreenPoller } from "../../tui/conn/screen-poller.js";
import { Session } from "../../tui/conn/session.js";
import { createStore } from "../../tui/state/store.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, killAll } from "../runtime/runtime-helpers.js";

let d: TestDaemon;
let c: RpcClient;

beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  await c.call("runtime.start", { name: "seen", command: [FAKE_AGENT, "--print-steady", "20"], cols: 40, rows: 8 });
  await c.call("runtime.start", { name: "hidden", command: [FAKE_AGENT, "--print-steady", "20"], cols: 40, rows: 8 });
});

afterAll(async () => {
  await killAll(d);
  await d?.stop();
});

describe("TUI session against a real daemon", () => {
  it("screens are fetched for the panes on view only, one request in flight per pane, at most at the pane's rate", async () => {
    const store = createStore();
    const asked: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const poller = new ScreenPoller(async (name) => {
      asked.push(name);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await c.call("runtime.screen", { name, ansi: true });
      } finally {
        inFlight--;
      }
    }, store);
    const t0 = Date.now();
    poller.setVisible(new Map([["seen", 100]]));
    await waitFor("the seen pane's screen in the store", () => store.getState().data.screens.seen?.ansi.includes("steady"));
    await waitFor("a few fetches", () => asked.length >= 5);
    poller.setVisible(new Map());
    const elapsed = Date.now() - t0;
    expect(asked.every((n) => n === "seen")).toBe(true);
    expect(store.getState().data.screens.hidden).toBeUndefined();
    expect(maxInFlight).toBe(1);
    // 100 ms apart at most 1 + elapsed/100 fetches (a slow host makes fewer, never more)
    expect(asked.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 100) + 1);
    poller.stopAll();
  });

  it("follows events and lists; after a daemon restart it reconnects and resumes the stream with no duplicate", async () => {
    const store = createStore();
    const s = new Session({ paths: d.paths, autostart: false, store, pollMs: 200, retryMs: 100 });
    s.start();
    try {
      await waitFor("connected with both runtimes", () => store.getState().conn.status === "connected" && store.getState().data.runtimes.length === 2);
      await c.call("event.publish", { type: "user.before" });
      await waitFor("event seen", () => store.getState().data.events.some((e) => e.type === "user.before"));
      const oldPid = d.proc.pid;
      await d.kill();
      await waitFor("disconnected", () => store.getState().conn.status !== "connected");
      d = await d.restart();
      c = await d.client();
      await waitFor("reconnected to the new daemon", () => store.getState().conn.status === "connected" && store.getState().conn.daemon?.pid === d.proc.pid);
      expect(d.proc.pid).not.toBe(oldPid);
      expect(store.getState().conn.connects).toBe(2);
      await c.call("event.publish", { type: "user.after" });
      await waitFor("event after restart", () => store.getState().data.events.some((e) => e.type === "user.after"));
      const ids = store.getState().data.events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      // runtimes outlive the daemon, and their screens are served again
      s.screens.setVisible(new Map([["seen", 100]]));
      await waitFor("screen after restart", () => store.getState().data.screens.seen !== undefined);
    } finally {
      await s.close();
    }
  });
});
