import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT, waitScreen, useDaemon } from "./runtime-helpers.js";

describe("runtime.send: text delivery", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it("200 deliveries to the fake agent: 0 lost, 0 merged, in order", async () => {
    const c = await d.client();
    const log = path.join(d.home, "received.log");
    await c.call("runtime.start", { name: "fa", command: [FAKE_AGENT, "--work-ms", "0", "--log", log], cwd: d.home });
    await waitScreen(c, "fa", "the prompt", (t) => t.includes("fake-agent ready") && /^>( |$)/m.test(t));
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      // Every tenth message has a line break inside: only a bracketed paste keeps it one message.
      const text = i % 10 === 9 ? `message ${i} first line\nmessage ${i} second line` : `message ${i} with some words ${"x".repeat(i % 30)}`;
      const r = await c.call<{ status: string; paste: boolean }>("runtime.send", { name: "fa", text });
      expect(r.status, `delivery ${i}`).toBe("delivered");
      expect(r.paste).toBe(true);
      sent.push(text.replace(/\n/g, "\\n"));
    }
    const lines = await waitFor("200 lines in the delivery log", () => {
      const l = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
      return l.length >= 200 ? l : null;
    });
    expect(lines).toEqual(sent);
  }, 120_000);

  it("without bracketed paste the text is typed; a program that never echoes gives not_confirmed", async () => {
    const c = await d.client();
    const log = path.join(d.home, "typed.log");
    await c.call("runtime.start", { name: "plain", command: [FAKE_AGENT, "--no-paste-mode", "--work-ms", "0", "--log", log], cwd: d.home });
    await waitScreen(c, "plain", "the prompt", (t) => /^>( |$)/m.test(t));
    const r = await c.call<{ status: string; paste: boolean }>("runtime.send", { name: "plain", text: "typed hello" });
    expect(r).toMatchObject({ status: "delivered", paste: false });
    await c.call("runtime.start", { name: "mute", command: ["sh", "-c", "stty -echo; echo echo-is-off; read x; sleep 30"], cwd: d.home });
    // the text must not be typed before `stty -echo` ran (a slow host may not have run it yet)
    await waitScreen(c, "mute", "echo turned off", (t) => t.includes("echo-is-off"));
    const m = await c.call<{ status: string; why: string }>("runtime.send", { name: "mute", text: "into the void", confirm_timeout_ms: 300 });
    expect(m.status).toBe("not_confirmed");
    expect(m.why).toMatch(/did not appear/);
  }, 30_000);

  it("a shell (no bracketed paste, never re-prints the line it runs) gets delivered: echoed as typed, then output after Enter", async () => {
    const c = await d.client();
    // PS1 through env(1), not vars: vars values are redacted from the output, "$ " included
    await c.call("runtime.start", { name: "sh", command: ["env", "PS1=$ ", "sh"], cwd: d.home });
    await waitScreen(c, "sh", "the prompt", (t) => /^[$#] ?$/m.test(t));
    const r = await c.call<{ status: string; paste: boolean; why: string }>("runtime.send", { name: "sh", text: "echo $((6*7))-delivered" });
    expect(r).toMatchObject({ status: "delivered", paste: false });
    expect(r.why).toMatch(/echoed as typed/);
    await waitScreen(c, "sh", "the command's output", (t) => t.includes("42-delivered"));
  }, 30_000);

  it("swarmctl runtime send: exit 0 when delivered, clear errors for unknown or exited runtimes", async () => {
    const ok = await swarmctl(d.env, ["runtime", "send", "fa", "from", "the", "cli"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/delivered/);
    const missing = await swarmctl(d.env, ["runtime", "send", "nope", "hi"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no runtime named "nope"/);
    const c = await d.client();
    await c.call("runtime.start", { name: "gone", command: ["true"], cwd: d.home });
    await waitFor("gone to exit", async () => (await c.call<{ state: string }>("runtime.show", { name: "gone" })).state === "exited");
    const exited = await swarmctl(d.env, ["runtime", "send", "gone", "hi"]);
    expect(exited.code).toBe(5);
    expect(exited.stderr).toMatch(/has exited/);
  }, 30_000);
});
