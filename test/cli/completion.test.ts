import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  await d?.stop();
});

const words = (out: string) => out.trim().split("\n").filter(Boolean);

describe("shell completion", () => {
  it("completes command groups and subcommands by prefix", async () => {
    expect(words((await swarmctl(d.env, ["__complete", "da"])).stdout)).toEqual(["daemon"]);
    expect(words((await swarmctl(d.env, ["__complete", "daemon", "st"])).stdout)).toEqual(["start", "status", "stop"]);
    expect(words((await swarmctl(d.env, ["__complete", "--j"])).stdout)).toEqual(["--json"]);
    expect(words((await swarmctl(d.env, ["__complete", ""])).stdout)).not.toContain("__complete");
  });

  it("completes names from the running daemon (ticket ids here)", async () => {
    const c = await d.client();
    const t = await c.call<{ ticket: { id: string } }>("ticket.submit", { title: "complete me" });
    const got = words((await swarmctl(d.env, ["__complete", "ticket", "show", ""])).stdout);
    expect(got).toContain(t.ticket.id);
  });

  it("prints scripts for bash, zsh and fish; bash parses; unknown shell refused", async () => {
    const bash = await swarmctl(d.env, ["completion", "bash"]);
    expect(spawnSync("bash", ["-n"], { input: bash.stdout }).status).toBe(0);
    expect(bash.stdout).toContain("complete -o default -F _swarmctl swarmctl");
    expect((await swarmctl(d.env, ["completion", "zsh"])).stdout).toContain("compdef _swarmctl swarmctl");
    expect((await swarmctl(d.env, ["completion", "fish"])).stdout).toContain("complete -c swarmctl");
    const bad = await swarmctl(d.env, ["completion", "tcsh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/choose bash, zsh or fish/);
  });
});
