/**
 * `--proxy-allow` on `env create` and `env bulk create`: one value per flag (repeatable,
 * comma lists), so a name written after it is still the name; entries the proxy could
 * never match are refused up front, by the CLI and by the daemon's schema alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { startWorld, type EnvWorld } from "../env/fixture.js";

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.dispose();
});

describe("--proxy-allow", () => {
  it("a name after the flag is the name; repeats and comma lists add up", async () => {
    const e = await w.json<EnvRecord>([
      "env",
      "create",
      "--repo",
      w.repo,
      "--provider",
      "sandbox",
      "--net",
      "proxy",
      "--proxy-allow",
      "a.example",
      "--proxy-allow",
      "b.example:443,*.c.example",
      "pa1",
    ]);
    expect(e.name).toBe("pa1");
    expect(e.capabilities.proxy_allow).toEqual(["a.example", "b.example:443", "*.c.example"]);
  });

  it("bulk create takes it too and gives every environment the list", async () => {
    const r = await w.ctl(
      ["--json", "env", "bulk", "create", "bp", "x1", "x2", "--repo", w.repo, "--provider", "sandbox", "--net", "proxy", "--proxy-allow", "registry.example"],
      { timeoutMs: 60_000 },
    );
    expect(r.code).toBe(0);
    for (const n of ["x1", "x2"]) expect((await w.json<EnvRecord>(["env", "show", n])).capabilities.proxy_allow).toEqual(["registry.example"]);
  });

  it("refuses entries the proxy cannot match, and the flag without --net proxy", async () => {
    for (const bad of ["bad host!", "a.example:70000", "http://a.example", "*"]) {
      const r = await w.ctl(["env", "create", "pbad", "--repo", w.repo, "--provider", "sandbox", "--net", "proxy", "--proxy-allow", bad]);
      expect(r.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
      expect(r.stderr).toContain(`invalid --proxy-allow entry ${JSON.stringify(bad)}: proxy allow-list entries are host, host:port, *.domain or *.domain:port`);
    }
    const full = await w.ctl(["env", "create", "pfull", "--repo", w.repo, "--net", "full", "--proxy-allow", "a.example"]);
    expect(full.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(full.stderr).toMatch(/--proxy-allow only applies with --net proxy \(this environment gets --net full\)/);
    const c = await w.d.client();
    await expect(c.call("env.create", { name: "praw", repo: w.repo, provider: "sandbox", net: "proxy", proxy_allow: ["a.example:0"] })).rejects.toThrow(
      /proxy allow-list entries are/,
    );
    expect((await w.json<EnvRecord[]>(["env", "list"])).map((e) => e.name).sort()).toEqual(["pa1", "x1", "x2"]);
  });
});
