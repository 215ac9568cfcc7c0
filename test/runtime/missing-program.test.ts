import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { kindOf } from "../helpers/errors.js";
import { killAll } from "./runtime-helpers.js";

/**
 * A runtime whose program is not installed is refused at start, naming the program and how
 * to install it, instead of "started" followed by an exit 127. The daemon runs with a PATH of
 * one directory that holds only `sh`, so no agent CLI of this host can be found by accident.
 */
describe("runtime start refuses a program that is not on the PATH", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let bin: string;
  let extra: string;
  const ctl = (...args: string[]) => swarmctl(d.env, ["--no-autostart", ...args]);
  beforeAll(async () => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-path-"));
    fs.symlinkSync("/bin/sh", path.join(bin, "sh"));
    extra = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-path-extra-"));
    d = await startDaemon({ extraEnv: { PATH: bin } });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    for (const dir of [bin, extra]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["claude", "npm install -g @anthropic-ai/claude-code"],
    ["codex", "npm install -g @openai/codex"],
    ["gemini", "npm install -g @google/gemini-cli"],
    ["aider", "pipx install aider-chat"],
  ])("--agent %s, not installed: NOT_FOUND with the hint `%s`, nothing started", async (agent, install) => {
    const r = await ctl("runtime", "start", `a-${agent}`, "--agent", agent, "--cwd", d.home);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`program ${agent} is not installed`);
    expect(r.stderr).toContain(`hint: install it with \`${install}\``);
    expect((await ctl("--json", "runtime", "list", "--all")).stdout).not.toContain(`a-${agent}`);
  });

  it("any bare command is looked up on the PATH the program gets (the daemon's, or vars.PATH)", async () => {
    const r = await ctl("runtime", "start", "typo", "--cwd", d.home, "--", "no-such-program-zq", "x");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("program no-such-program-zq is not installed");
    expect(r.stderr).toContain(`PATH searched: ${bin}`);
    // found on the daemon's PATH
    expect((await ctl("runtime", "start", "shell", "--cwd", d.home, "--", "sh", "-c", "exit 0")).code).toBe(0);
    // a non-executable file does not count; an executable one on vars.PATH does
    const fake = path.join(extra, "claude");
    fs.writeFileSync(fake, "#!/bin/sh\nread line\n", { mode: 0o644 });
    expect(await kindOf(c.call("runtime.start", { name: "noexec", agent: "claude", cwd: d.home, vars: { PATH: extra } }))).toMatch(
      /^NOT_FOUND: .*program claude is not installed/,
    );
    fs.chmodSync(fake, 0o755);
    const started = await c.call<{ name: string; command: string[] }>("runtime.start", { name: "fake", agent: "claude", cwd: d.home, vars: { PATH: extra } });
    expect(started.command[0]).toBe("claude");
  });
});
