import { describe, expect, it } from "vitest";
import { bwrapArgs } from "../../providers/sandbox/bwrap-args.js";
import { SandboxProvider } from "../../providers/sandbox/provider.js";
import { createProviders, PLANNED_PROVIDERS } from "../../providers/registry.js";
import { canBuildBase, canCheckpoint, canClose, canRestoreDeleted, type Provider } from "../../providers/index.js";
import { WorktreeProvider } from "../../providers/worktree/provider.js";
import { providerContext, tempDir } from "./fixtures.js";

describe("provider registry and detection", () => {
  it("constructs worktree and sandbox with their own state folders and lists the planned ones with reasons", () => {
    const root = tempDir();
    const seen: string[] = [];
    const ps = createProviders((name) => {
      seen.push(name);
      return providerContext(`${root}/${name}`);
    });
    expect([...ps.keys()].slice(0, 2)).toEqual(["worktree", "sandbox"]);
    for (const [name, p] of ps) expect(p.info().name).toBe(name);
    expect(seen).toEqual([...ps.keys()]);
    expect(PLANNED_PROVIDERS.map((p) => p.name)).toEqual(["libvirt", "macos-vz", "hyperv", "firecracker", "kubernetes", "cloud-vm"]);
    for (const p of PLANNED_PROVIDERS) expect(p.reason).toMatch(/^not built yet: .{20,}/);
  });

  it("detect says exactly what to install when the tool is missing", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const sb = await new SandboxProvider(providerContext(tempDir())).detect();
      expect(sb).toMatchObject({ available: false, installHint: "apt-get install -y bubblewrap" });
      expect(sb.reason).toMatch(/bwrap/);
      const wt = await new WorktreeProvider(providerContext(tempDir())).detect();
      expect(wt).toMatchObject({ available: false, installHint: "apt-get install -y git" });
    } finally {
      process.env.PATH = saved;
    }
    expect((await new SandboxProvider(providerContext(tempDir())).detect()).available).toBe(true);
  });
});

describe("sandbox bwrap arguments", () => {
  const base = { workDir: "/s/envs/a/merged", cwd: "/s/envs/a/merged/sub", hide: ["/s"], roBinds: ["/r/.git/objects"], newSession: true, env: { A: "1" } };
  const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

  it("host read-only, state hidden before the checkout is bound writable, no capabilities", () => {
    const a = bwrapArgs({ ...base, net: "none" });
    expect(a.slice(0, 3)).toEqual(["--ro-bind", "/", "/"]);
    expect(a.indexOf("--tmpfs") < a.indexOf("--bind")).toBe(true);
    expect(pairs(a, "--tmpfs")).toEqual(["/tmp", "/s"]);
    expect(pairs(a, "--bind")).toEqual(["/s/envs/a/merged"]);
    expect(a).toEqual(expect.arrayContaining(["--unshare-pid", "--unshare-ipc", "--unshare-net", "--die-with-parent", "--new-session", "--clearenv"]));
    expect(pairs(a, "--cap-drop")).toEqual(["ALL"]);
    expect(pairs(a, "--chdir")).toEqual(["/s/envs/a/merged/sub"]);
  });

  it("full shares the network; proxy unshares it and binds only the proxy socket; PTYs keep their session", () => {
    expect(bwrapArgs({ ...base, net: "full" })).not.toContain("--unshare-net");
    const p = bwrapArgs({ ...base, net: "proxy", proxySocket: "/s/envs/a/proxy.sock", newSession: false });
    expect(p).toContain("--unshare-net");
    expect(pairs(p, "--bind")).toEqual(["/s/envs/a/merged", "/s/envs/a/proxy.sock"]);
    expect(p).not.toContain("--new-session");
  });

  it("proxy binds swarm's package (package.json + dist) at a fixed place, so the forwarder runs even when the install is hidden inside", () => {
    const p = bwrapArgs({ ...base, net: "proxy", proxySocket: "/s/envs/a/proxy.sock", swarmRoot: "/tmp/ci/swarm" });
    const ro = p.flatMap((a, i) => (a === "--ro-bind" ? [`${p[i + 1]} -> ${p[i + 2]}`] : []));
    expect(ro).toEqual(expect.arrayContaining(["/tmp/ci/swarm/package.json -> /tmp/.swarm/package.json", "/tmp/ci/swarm/dist -> /tmp/.swarm/dist"]));
    // after the private /tmp, or the tmpfs would cover the binds
    expect(p.indexOf("/tmp/ci/swarm/dist")).toBeGreaterThan(p.indexOf("--tmpfs"));
    expect(bwrapArgs({ ...base, net: "none", swarmRoot: "/tmp/ci/swarm" }).join(" ")).not.toContain("/tmp/.swarm");
  });

  it("each optional capability's feature flag says exactly whether the provider implements it", () => {
    const root = tempDir();
    const ps = createProviders((name) => providerContext(`${root}/${name}`));
    const has = (p: Provider, method: string) => typeof (p as unknown as Record<string, unknown>)[method] === "function";
    const caps: Record<string, { flag: "checkpoint" | "restoreDeleted" | "baseImage" | "close"; method: string; can: (p: Provider) => boolean }> = {
      Checkpointing: { flag: "checkpoint", method: "checkpoint", can: canCheckpoint },
      RestoresDeleted: { flag: "restoreDeleted", method: "restoreDeleted", can: canRestoreDeleted },
      BaseImages: { flag: "baseImage", method: "buildBase", can: canBuildBase },
      Closable: { flag: "close", method: "close", can: canClose },
    };
    const seen: string[] = [];
    for (const [name, p] of ps) {
      for (const [cap, c] of Object.entries(caps)) {
        expect(p.info().features[c.flag], `${name} ${cap}`).toBe(has(p, c.method));
        expect(c.can(p), `${name} ${cap}`).toBe(has(p, c.method));
        if (c.can(p)) seen.push(`${name}:${cap}`);
      }
    }
    expect(seen.sort()).toEqual([
      "sandbox:Checkpointing",
      "sandbox:Closable",
      "vm:BaseImages",
      "vm:Checkpointing",
      "worktree:Checkpointing",
      "worktree:RestoresDeleted",
    ]);
  });
});
