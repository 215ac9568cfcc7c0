import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SandboxProvider } from "../../providers/sandbox/provider.js";
import type { EnvHandle } from "../../providers/types.js";
import { makeRepo, providerContext, tempDir } from "./fixtures.js";

describe("sandbox: many copy-on-write environments", () => {
  it("100 concurrent creates share one base and all succeed; deletes clean up mounts and cgroups", async () => {
    const repo = makeRepo(300);
    const stateDir = tempDir("swarm-scale-");
    const p = new SandboxProvider(providerContext(stateDir));
    const names = Array.from({ length: 100 }, (_, i) => `cow-${i}`);
    const results = await Promise.allSettled(names.map((name) => p.create({ name, project: "p", repo, branch: "", cpus: 1, memoryMiB: 256, net: "none" })));
    const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    const hs = results.map((r) => (r as PromiseFulfilledResult<EnvHandle>).value);
    expect(fs.readdirSync(path.join(stateDir, "bases")).filter((f) => !f.endsWith(".ready"))).toHaveLength(1);
    // each environment sees the checkout on its own branch, and its writes stay its own
    fs.writeFileSync(path.join(hs[7]!.hostPath!, "mine.txt"), "7");
    expect(fs.existsSync(path.join(hs[8]!.hostPath!, "mine.txt"))).toBe(false);
    const r = await p.exec(hs[8]!, ["sh", "-c", "git rev-parse --abbrev-ref HEAD; cat src/d5/f5.txt | head -1"]);
    expect(r.stdout.toString()).toBe("swarm/cow-8\nfile 5\n");
    await Promise.all(hs.map((h) => p.delete(h, { force: true })));
    expect(fs.readdirSync(path.join(stateDir, "envs"))).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(stateDir);
  }, 120_000);
});
