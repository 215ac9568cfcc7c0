import headless from "@xterm/headless";
import pty from "node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWARMCTL, startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, show, waitScreen, killAll } from "./runtime-helpers.js";

/** `swarmctl attach` in a real PTY, its output drawn into a headless terminal like a user's. */
class Viewer {
  readonly term: InstanceType<typeof headless.Terminal>;
  readonly proc: pty.IPty;
  raw = "";
  exitCode: number | null = null;
  constructor(env: NodeJS.ProcessEnv, name: string, cols: number, rows: number) {
    this.term = new headless.Terminal({ cols, rows, allowProposedApi: true });
    this.proc = pty.spawn(process.execPath, [SWARMCTL, "attach", name], { cols, rows, env: env as Record<string, string> });
    this.proc.onData((d) => {
      this.raw += d;
      this.term.write(d);
    });
    this.proc.onExit(({ exitCode }) => (this.exitCode = exitCode));
  }
  text(): string {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? "");
    return out.join("\n");
  }
  waitText(what: string, timeoutMs = 10_000): Promise<unknown> {
    return waitFor(`viewer to show ${JSON.stringify(what)} (screen:\n${this.text()})`, () => this.text().includes(what), timeoutMs, 20);
  }
  waitExit(): Promise<number> {
    return waitFor("viewer to exit", () => (this.exitCode !== null ? this.exitCode + 1 : null)).then((x) => x - 1);
  }
}

describe("swarmctl attach", () => {
  let d: TestDaemon;
  const viewers: Viewer[] = [];
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    viewers.forEach((v) => v.exitCode === null && v.proc.kill());
    await killAll(d);
    await d?.stop();
  });

  it("replays the screen, forwards keys as human input, follows resizes, detaches on Ctrl-], several viewers at once", async () => {
    const c = await d.client();
    await c.call("runtime.start", { name: "at", command: [FAKE_AGENT, "--work-ms", "0", "--banner", "attach-banner"], cwd: d.home, cols: 80, rows: 24 });
    await waitScreen(c, "at", "prompt", (t) => /^>( |$)/m.test(t));
    await c.call("runtime.send", { name: "at", text: "before-attach" });
    expect((await show(c, "at")).last_human_input_at).toBeNull();

    const v1 = new Viewer(d.env, "at", 90, 30);
    const v2 = new Viewer(d.env, "at", 90, 30);
    viewers.push(v1, v2);
    // The serialized screen is replayed first: what happened before attaching is visible.
    await v1.waitText("received: before-attach");
    await v2.waitText("received: before-attach");
    expect(v1.text()).toContain("attach-banner");
    // The runtime took the viewer's size.
    await waitFor("runtime resized to 90x30", async () => (await show(c, "at")).cols === 90);

    v1.proc.write("typed-by-human");
    await v1.waitText("> typed-by-human");
    v1.proc.write("\r");
    await v1.waitText("received: typed-by-human");
    await v2.waitText("received: typed-by-human");
    const rt = await waitFor("human input recorded", async () => {
      const r = await show(c, "at");
      return r.last_human_input_at ? r : null;
    });
    expect(Date.now() - Date.parse(rt.last_human_input_at!)).toBeLessThan(30_000);

    v1.proc.resize(100, 35);
    await waitFor("runtime resized to 100x35", async () => {
      const r = await show(c, "at");
      return r.cols === 100 && r.rows === 35;
    });

    // Ctrl-] detaches this viewer only; the runtime and the other viewer carry on.
    v1.proc.write("\x1d");
    expect(await v1.waitExit()).toBe(0);
    expect(v1.raw).toContain("[detached from at]");
    expect((await show(c, "at")).state).not.toMatch(/exited|lost/);
    // v1 typed moments ago: within the quiet window a send is refused unless forced (send-safety.test.ts)
    await c.call("runtime.send", { name: "at", text: "after-detach", force: true });
    await v2.waitText("received: after-detach");

    // The runtime exiting ends the remaining attach with a message.
    await c.call("runtime.kill", { name: "at" });
    expect(await v2.waitExit()).toBe(0);
    expect(v2.raw).toMatch(/runtime at exited/);
  }, 60_000);

  it("attach to an unknown runtime fails with NOT_FOUND (exit 3)", async () => {
    const v = new Viewer(d.env, "missing", 80, 24);
    viewers.push(v);
    expect(await v.waitExit()).toBe(3);
    expect(v.raw).toMatch(/no runtime named "missing"/);
  });
});
