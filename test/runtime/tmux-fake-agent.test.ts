import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeAgentAdapter } from "../fixtures/fake-agent-rules.js";
import { TmuxServer, startManagedSession } from "../../daemon/runtime/tmux/index.js";
import { waitFor } from "../helpers/daemon.js";
import { FAKE_AGENT } from "./runtime-helpers.js";

/** The fake agent itself, driven through a real terminal (tmux), since every runtime test relies on it. */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const server = new TmuxServer({ socket: { name: `swarm-fake-${process.pid}` } });
afterAll(() => server.kill().catch(() => undefined));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-fake-"));
let n = 0;
const start = (...args: string[]) => startManagedSession(server, { name: `fa${++n}`, argv: [process.execPath, FAKE_AGENT, ...args], cols: 80, rows: 24 });

describe("fake-agent", () => {
  it("refuses an unknown flag or a bad number with exit 2 and says why", () => {
    const bad = spawnSync(process.execPath, [FAKE_AGENT, "--wrok-ms", "5"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown flag --wrok-ms \(see --help\)/);
    const nan = spawnSync(process.execPath, [FAKE_AGENT, "--work-ms", "soon"], { encoding: "utf8" });
    expect(nan.status).toBe(2);
    expect(nan.stderr).toMatch(/--work-ms needs a non-negative number/);
    expect(execFileSync(process.execPath, [FAKE_AGENT, "--help"], { encoding: "utf8" })).toMatch(/--print-steady R/);
  });

  it.skipIf(!hasTmux)("takes typed keys with backspace, escapes backslashes in the log, exits on Ctrl-D with the given code", async () => {
    const log = path.join(tmp, "typed.log");
    const s = await start("--work-ms", "20", "--log", log, "--exit-code", "4");
    await waitFor("prompt", async () => (await s.detect(fakeAgentAdapter)).state === "idle");
    await s.sendKeys("-l", "hellp");
    await s.sendKeys("BSpace");
    await s.sendKeys("-l", "o back\\slash");
    await s.sendKeys("Enter");
    await waitFor("done", async () => (await s.capture()).includes("done: 1"));
    expect(fs.readFileSync(log, "utf8")).toBe("hello back\\\\slash\n");
    await s.sendKeys("C-d");
    await waitFor("pane dead", async () => (await s.health()).paneDead);
    // tmux 3.3a now and then reaps a child without recording its status (see docs/agents.md);
    // the exit code itself is checked without tmux in test/fixtures/fake-agent.test.ts
    const h = await waitFor(
      "exit status",
      async () => {
        const x = await s.health();
        return x.exitStatus !== null ? x : null;
      },
      3000,
    ).catch(() => s.health());
    expect([4, null]).toContain(h.exitStatus);
    expect(await s.capture()).toContain("bye");
  });

  it.skipIf(!hasTmux)("keeps a newline inside a paste as part of one message, and queues messages sent while working", async () => {
    const log = path.join(tmp, "queued.log");
    const s = await start("--work-ms", "300", "--log", log);
    await waitFor("prompt", async () => (await s.detect(fakeAgentAdapter)).state === "idle");
    await s.send("first\nstill first", { confirmTimeoutMs: 0 });
    await s.send("second", { confirmTimeoutMs: 0 });
    await s.send("third", { confirmTimeoutMs: 0 });
    await waitFor("three done", async () => (await s.capture()).includes("done: 3"), 15_000);
    expect(fs.readFileSync(log, "utf8").split("\n").filter(Boolean)).toEqual(["first\\nstill first", "second", "third"]);
  });

  it.skipIf(!hasTmux)("--print-steady prints numbered lines continuously while the prompt stays usable", async () => {
    const log = path.join(tmp, "steady.log");
    const s = await start("--print-steady", "50", "--log", log, "--work-ms", "10");
    await waitFor("steady 20", async () => (await s.capture()).includes("steady 20"));
    await s.send("while printing", { confirmTimeoutMs: 0 });
    await waitFor("logged", () => fs.existsSync(log) && fs.readFileSync(log, "utf8") === "while printing\n");
    const lines = (await s.capture()).split("\n").filter((l) => l.startsWith("steady "));
    const nums = lines.map((l) => Number(l.slice(7)));
    // consecutive numbers: nothing skipped or repeated on screen
    expect(nums.every((v, i) => i === 0 || v === nums[i - 1]! + 1)).toBe(true);
  });
});
