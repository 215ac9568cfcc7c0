import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { startWorld, type EnvWorld } from "./fixture.js";

/** Skip reason when bubblewrap is missing (on this machine it is installed and these run). */
const NO_BWRAP = spawnSync("bwrap", ["--version"]).status !== 0;

let w: EnvWorld;
let sandboxOk = false;
beforeAll(async () => {
  w = await startWorld();
  const p = await w.json<{ providers: { name: string; available: boolean; reason: string | null }[] }>(["providers"]);
  const sb = p.providers.find((x) => x.name === "sandbox");
  sandboxOk = sb?.available === true;
  if (!sandboxOk) console.warn(`sandbox provider unavailable: ${sb?.reason}`);
});
afterAll(async () => {
  await w?.dispose();
});

describe("env commands through the sandbox provider", () => {
  it.skipIf(NO_BWRAP)("defaults to the most restrictive network, forwards secrets, passes exit codes through", async () => {
    if (!sandboxOk) return expect.fail("the sandbox provider must be available on this machine (apt-get install -y bubblewrap)");
    expect((await w.ctl(["secret", "set", "SB_TOKEN", "in-the-box"])).code).toBe(0);
    const e = await w.json<EnvRecord>(["env", "create", "box", "--provider", "sandbox", "--repo", w.repo]);
    expect(e.capabilities).toMatchObject({ net: "none" });
    expect(e.capabilities.resources_enforced).toBeTypeOf("boolean");
    const r = await w.ctl(["env", "run", "box", "--", "sh", "-c", 'cat README.md; printf "%s" "$SB_TOKEN"; exit 9']);
    expect(r.code).toBe(9);
    expect(r.stdout).toBe("hello\nin-the-box");
    // the host's processes are not visible inside
    const ps = await w.ctl(["env", "run", "box", "--", "sh", "-c", "ls /proc | grep -c '^[0-9]'"]);
    expect(Number(ps.stdout.trim())).toBeLessThan(10);
    const full = await w.json<EnvRecord>(["env", "create", "box-full", "--provider", "sandbox", "--repo", w.repo, "--net", "full"]);
    expect(full.capabilities.net).toBe("full");
    const proxy = await w.json<EnvRecord>([
      "env",
      "create",
      "box-proxy",
      "--provider",
      "sandbox",
      "--repo",
      w.repo,
      "--net",
      "proxy",
      "--proxy-allow",
      "example.com",
    ]);
    expect(proxy.capabilities).toMatchObject({ net: "proxy", proxy_allow: ["example.com"] });
  });

  it.skipIf(NO_BWRAP)("a memory reservation is recorded and refused past the host", async () => {
    if (!sandboxOk) return expect.fail("sandbox unavailable");
    const e = await w.json<EnvRecord>(["env", "create", "box-sized", "--provider", "sandbox", "--repo", w.repo, "--memory", "256M"]);
    expect(e.memory_mib).toBe(256);
    expect((await w.ctl(["env", "run", "box-sized", "--", "true"])).code).toBe(0);
    const r = await w.ctl(["env", "create", "box-huge", "--provider", "sandbox", "--repo", w.repo, "--memory", "9999G"]);
    expect(r.code).toBe(ERROR_KINDS.RESOURCE_EXHAUSTED.exitCode);
  });
});
