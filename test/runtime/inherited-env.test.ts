import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { withoutInherited } from "../../daemon/runtime/inherited-env.js";
import { startDaemon, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "./runtime-helpers.js";

/**
 * Gemini CLI runs non-interactively when the CI-detection variables are set ("No input
 * provided via stdin"), and a daemon started by a CI job has them: a gemini runtime must
 * not inherit them (the real CLI showed it in CI). A stand-in `gemini` on the daemon's PATH
 * prints what it got; other kinds keep the daemon's environment; --var still wins.
 */
describe("variables an agent must not inherit from the daemon", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let bin: string;
  beforeAll(async () => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-inherit-"));
    const script = '#!/bin/sh\necho "ci=${CI-unset} cont=${CONTINUOUS_INTEGRATION-unset} job=${CI_JOB_ID-unset} keep=${KEEP_ME-unset}"\nsleep 5\n';
    for (const name of ["gemini", "claude"]) fs.writeFileSync(path.join(bin, name), script, { mode: 0o755 });
    d = await startDaemon({ extraEnv: { PATH: `${bin}:${process.env.PATH}`, CI: "true", CONTINUOUS_INTEGRATION: "1", CI_JOB_ID: "42", KEEP_ME: "yes" } });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
  });

  const printed = (name: string) =>
    waitFor(
      `${name}'s line`,
      async () => {
        const s = await c.call("runtime.screen", { name });
        return /ci=\S+ cont=\S+ job=\S+ keep=\S+/.exec(s.lines.join("\n"))?.[0] ?? null;
      },
      20_000,
      100,
    );

  it("gemini: CI, CONTINUOUS_INTEGRATION and CI_* are removed, the rest is inherited; the recorded command is the one given", async () => {
    await c.call("runtime.start", { name: "gem", agent: "gemini", cwd: d.home });
    expect(await printed("gem")).toBe("ci=unset cont=unset job=unset keep=yes");
    const row = await c.call("runtime.show", { name: "gem" });
    expect(row.command[0]).toBe("gemini");
  });

  it("a variable passed with --var reaches gemini even when its name is one it must not inherit", async () => {
    await c.call("runtime.start", { name: "gem-var", agent: "gemini", cwd: d.home, vars: { CI: "mine" } });
    expect(await printed("gem-var")).toBe("ci=mine cont=unset job=unset keep=yes");
  });

  it("other kinds inherit the daemon's environment as it is", async () => {
    await c.call("runtime.start", { name: "cl", agent: "claude", cwd: d.home, command: ["claude"] });
    expect(await printed("cl")).toBe("ci=true cont=1 job=42 keep=yes");
  });

  it("the wrapper is only added when there is something to remove", () => {
    expect(withoutInherited("gemini", ["gemini"], undefined, { PATH: "/bin" })).toEqual(["gemini"]);
    expect(withoutInherited("gemini", ["gemini", "-m", "x"], undefined, { CI_B: "1", CI: "1", CIRCLE: "1" })).toEqual([
      "env",
      "-u",
      "CI",
      "-u",
      "CI_B",
      "gemini",
      "-m",
      "x",
    ]);
    expect(withoutInherited("custom", ["x"], undefined, { CI: "1" })).toEqual(["x"]);
  });
});
