import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { killAll } from "./runtime-helpers.js";

describe("unmanaged runtimes: register, heartbeat, deregister, expiry", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    const home = tempHome();
    // long enough that the pane cannot go stale between register and its first heartbeat on a
    // loaded host, short enough that the test sees it go lost soon after the heartbeats stop
    fs.writeFileSync(home.paths.configFile, JSON.stringify({ runtime: { stale_after_ms: 3000 } }));
    d = await startDaemon({ home });
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("a registered pane heartbeats its state, goes lost when heartbeats stop, and can be deregistered", async () => {
    const c = await d.client();
    const r = await c.call<Runtime>("runtime.register", { name: "pane", pty_backend: "tmux", target: "work:0.1", agent: "claude", session_id: "s-1" });
    expect(r).toMatchObject({ management: "unmanaged", pty_backend: "tmux", target: "work:0.1", state: "idle" });
    const hb = await c.call<Runtime>("runtime.heartbeat", { name: "pane", state: "working", why: "tmux: spinner" });
    expect(hb).toMatchObject({ state: "working", why: "tmux: spinner" });
    // Managed-only operations refuse clearly; heartbeats for managed runtimes are refused too.
    await expect(c.call("runtime.screen", { name: "pane" })).rejects.toThrow(/terminal is gone/);
    const lost = await waitFor(
      "pane to go lost without heartbeats",
      async () => {
        const x = await c.call<Runtime>("runtime.show", { name: "pane" });
        return x.state === "lost" ? x : null;
      },
      10_000,
      100,
    );
    expect(lost.why).toMatch(/no heartbeat/);
    await c.call("runtime.deregister", { name: "pane" });
    await expect(c.call("runtime.show", { name: "pane" })).rejects.toThrow(/no runtime named/);
    await expect(c.call("runtime.heartbeat", { name: "ghost" })).rejects.toThrow(/no runtime named "ghost"/);
  }, 30_000);
});
