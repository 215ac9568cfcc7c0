import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { startWorld, type EnvWorld } from "./fixture.js";

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.dispose();
});

interface Bulk {
  results: { name: string; ok: boolean; message: string }[];
  ok: number;
  failed: number;
}

describe("swarmctl env bulk", () => {
  it("bulk create of 20 with two bad names: 18 created, 2 clear errors, exit non-zero", async () => {
    const names = Array.from({ length: 18 }, (_, i) => `task-${i + 1}`);
    names.splice(5, 0, "bad/name");
    names.splice(12, 0, ".hidden");
    expect(names).toHaveLength(20);
    const r = await w.ctl(["--json", "env", "bulk", "create", "proj1", ...names, "--repo", w.repo], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Bulk;
    expect(out.results.map((x) => x.name)).toEqual(names);
    expect(out.ok).toBe(18);
    expect(out.failed).toBe(2);
    for (const bad of ["bad/name", ".hidden"]) {
      expect(out.results.find((x) => x.name === bad)).toMatchObject({ ok: false, message: expect.stringMatching(/names use letters, digits/) });
    }
    const envs = await w.json<EnvRecord[]>(["env", "list", "--project", "proj1"]);
    expect(envs).toHaveLength(18);
    expect(envs.every((e) => e.state === "running")).toBe(true);
  });

  it("human output is a per-item table; a repeat reports conflicts per item", async () => {
    const r = await w.ctl(["env", "bulk", "create", "proj1", "task-1", "fresh-1", "--repo", w.repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/task-1\s+error\s+an environment named "task-1" already exists/);
    expect(r.stdout).toMatch(/fresh-1\s+ok\s+created/);
    expect(r.stdout).toMatch(/1 ok, 1 failed/);
  });

  it("bulk delete --project deletes them all in parallel; by names reports missing ones per item", async () => {
    const r = await w.ctl(["--json", "env", "bulk", "delete", "--project", "proj1"], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Bulk).ok).toBe(19);
    expect(await w.json<EnvRecord[]>(["env", "list", "--project", "proj1"])).toHaveLength(0);
    const n = await w.ctl(["--json", "env", "bulk", "delete", "ghost-1", "ghost-2"]);
    expect(n.code).toBe(1);
    const out = JSON.parse(n.stdout) as Bulk;
    expect(out.results.every((x) => !x.ok && /no environment named/.test(x.message))).toBe(true);
    const both = await w.ctl(["env", "bulk", "delete", "--project", "p", "x"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --project P or NAMES/);
  });
});
