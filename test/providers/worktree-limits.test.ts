import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvSpec } from "../../providers/types.js";
import { WorktreeProvider, type WorktreeData } from "../../providers/worktree/provider.js";
import { startWorld, type EnvWorld } from "../env/fixture.js";
import { waitFor } from "../helpers/daemon.js";
import { expectKind } from "./contract.js";
import { GIT_ID, envTracker, makeRepo, providerContext, tempDir } from "./fixtures.js";

const repo = makeRepo();
const stateDir = tempDir("swarm-wt-limits-");
const provider = new WorktreeProvider(providerContext(stateDir), { pidsMax: 40 });
const enforced = provider.info().features.enforcesResources;
const NOT_ENFORCED = "cgroups are not writable here (needs root with v1 memory+pids controllers, or a delegated cgroup v2 subtree)";
const hostMiB = Math.floor(os.totalmem() / (1024 * 1024));

const spec = (name: string, extra: Partial<EnvSpec> = {}): EnvSpec => ({
  name,
  project: "p",
  repo,
  branch: "",
  cpus: os.availableParallelism(),
  memoryMiB: hostMiB,
  net: "full",
  ...extra,
});
const envs = envTracker(() => provider, 60_000);
const made = envs.made;
const env = (name: string, extra: Partial<EnvSpec> = {}) => envs.create(spec(name, extra));
const sh = envs.sh;
const git = (dir: string, ...args: string[]) => execFileSync("git", [...GIT_ID, "-C", dir, ...args], { encoding: "utf8" });
const exists = (p: string) => fs.existsSync(p);
/** keeps all of stdin in memory (no newline ever comes), so it needs as much as it is fed */
const HOG = "head -c 200M /dev/zero | tail";

afterAll(async () => {
  await envs.cleanup();
});

describe("worktree: what the provider reports about limits", () => {
  it("enforcesResources follows cgroup availability; detect warns when they are off", async () => {
    const writable = (p: string) =>
      fs.promises.access(p, fs.constants.W_OK).then(
        () => true,
        () => false,
      );
    const v1 = (await writable("/sys/fs/cgroup/memory")) && (await writable("/sys/fs/cgroup/pids")) && exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (v1) expect(enforced).toBe(true);
    const off = new WorktreeProvider(providerContext(tempDir()), { cgroups: false });
    expect(off.info().features.enforcesResources).toBe(false);
    expect((await off.detect()).warnings).toEqual(["memory, pids and CPU limits are counted, not enforced: disabled by configuration"]);
    if (enforced) expect((await provider.detect()).warnings).toEqual([]);
  });
});

describe.skipIf(!enforced)(`worktree: limits are enforced with cgroups (skipped when ${NOT_ENFORCED})`, () => {
  it("memory: a command allocating past the limit is killed (137), one below it is not", async () => {
    const h = await env("mem", { memoryMiB: 64 });
    expect((h.data as WorktreeData).limits).toEqual({ memoryMiB: 64, cpus: 0 });
    expect((await sh(h, "head -c 16M /dev/zero | tail | wc -c")).out.trim()).toBe(String(16 * 1024 * 1024));
    const r = await sh(h, `${HOG}; echo "exit $?"`);
    expect(r.out).toBe("exit 137\n");
    if (provider.groups.cgroups?.kind === "v1") {
      const group = provider.groups.dirs("mem").find((d) => d.includes("/memory/"));
      expect(group, "the v1 memory group").toBeDefined();
      expect(fs.readFileSync(path.join(group!, "memory.limit_in_bytes"), "utf8").trim()).toBe(String(64 * 1024 * 1024));
    }
  });

  it("pids: starting processes past the limit fails to fork", async () => {
    const h = await env("pids");
    // the shell dies at the first failed fork; the last number it printed is how many it started
    const r = await sh(h, "i=0; while [ $i -lt 100 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); echo $i; done");
    const started = Number(r.out.trim().split("\n").pop());
    expect(r.err).toMatch(/fork/i);
    expect(started).toBeGreaterThan(5);
    expect(started).toBeLessThan(40);
    // the sleeps it left are the environment's: stop ends them even though none was started by the provider itself
    expect((await provider.status(h)).processes).toBeGreaterThan(5);
    await provider.stop(h);
    expect((await provider.status(h)).processes).toBe(0);
    await provider.start(h);
  });

  it("no request means no limit: the whole host's size is not written as a limit", async () => {
    const h = await env("free");
    expect((h.data as WorktreeData).limits).toEqual({ memoryMiB: 0, cpus: 0 });
    expect((await sh(h, `${HOG} | wc -c`)).out.trim()).toBe(String(200 * 1024 * 1024));
    const dirs = provider.groups.dirs("free");
    // only the pids group (a default pids.max keeps fork bombs in check) exists
    expect(dirs.filter(exists).map((d) => path.basename(path.dirname(path.dirname(d))))).toEqual(["pids"]);
  });

  it.skipIf(!fs.existsSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"))("cpu: --cpus below the host's count sets the quota", async () => {
    const h = await env("cpu", { cpus: 1 });
    expect((await sh(h, "true")).code).toBe(0);
    const cpu = provider.groups.dirs("cpu").find((d) => d.includes("/cpu/"))!;
    expect(fs.readFileSync(path.join(cpu, "cpu.cfs_quota_us"), "utf8").trim()).toBe("100000");
  });

  it("a process that left the folder still counts: delete refuses it, force kills it, and the groups are gone", async () => {
    const h = await env("gone", { memoryMiB: 128 });
    const cmd = await provider.ptyCommand(h, ["sh", "-c", "cd / && exec sleep 600"]);
    expect(cmd.file).toBe("/bin/sh");
    const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    await waitFor(
      "sleep to run outside the worktree",
      () => fs.readlinkSync(`/proc/${child.pid}/cwd`) === "/" && fs.readFileSync(`/proc/${child.pid}/comm`, "utf8").trim() === "sleep",
    );
    expect((await provider.status(h)).processes).toBe(1);
    await expectKind(provider.delete(h, { force: false }), "CONFLICT", new RegExp(`1 live process\\(es\\) \\(pid ${child.pid}\\)`));
    const dirs = provider.groups.dirs("gone").filter(exists);
    expect(dirs.length).toBeGreaterThanOrEqual(2);
    await provider.delete(h, { force: true });
    await exited;
    expect(dirs.filter(exists)).toEqual([]);
    // restored from the trash it keeps its limit
    const back = await provider.restoreDeleted("gone");
    made.push(back);
    expect((back.data as WorktreeData).limits).toEqual({ memoryMiB: 128, cpus: 0 });
    expect((await sh(back, `${HOG}; echo "exit $?"`)).out).toBe("exit 137\n");
  });
});

describe("worktree: reclaim after a create that died midway", () => {
  const branchOf = (name: string) => git(repo, "branch", "--list", "--format=%(refname:short)", `swarm/${name}`).trim();
  const records = () =>
    git(repo, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree ")).length;
  const dirOf = (name: string) => path.join(stateDir, "worktrees", name);
  let before = 0;
  beforeAll(() => {
    before = records();
  });

  async function reclaimThenCreate(name: string): Promise<void> {
    await provider.reclaim(spec(name));
    expect(exists(dirOf(name))).toBe(false);
    expect(branchOf(name)).toBe("");
    expect(records()).toBe(before);
    const h = await env(name);
    expect(git(h.hostPath!, "status", "--porcelain")).toBe("");
    await provider.delete(h, { force: true });
  }

  it("nothing made: a no-op", async () => {
    await reclaimThenCreate("rc-none");
  });

  it("only the folder made", async () => {
    fs.mkdirSync(dirOf("rc-mkdir"), { recursive: true });
    await reclaimThenCreate("rc-mkdir");
  });

  it("worktree registered but not checked out", async () => {
    fs.mkdirSync(dirOf("rc-nocheckout"), { recursive: true });
    git(repo, "worktree", "add", "--quiet", "--no-checkout", "-b", "swarm/rc-nocheckout", dirOf("rc-nocheckout"), "HEAD");
    await reclaimThenCreate("rc-nocheckout");
  });

  it("registered and still locked by an add that died", async () => {
    git(repo, "worktree", "add", "--quiet", "--no-checkout", "-b", "swarm/rc-locked", dirOf("rc-locked"), "HEAD");
    git(repo, "worktree", "lock", "--reason", "initializing", dirOf("rc-locked"));
    await reclaimThenCreate("rc-locked");
  });

  it("fully made (a create that finished before the daemon could record it)", async () => {
    await provider.create(spec("rc-full"));
    await reclaimThenCreate("rc-full");
  });

  it("a create refused for an existing branch leaves that branch and its commits alone", async () => {
    git(repo, "branch", "users-branch");
    const tip = git(repo, "rev-parse", "users-branch").trim();
    await expectKind(provider.create(spec("rc-users", { branch: "users-branch" })), "CONFLICT", /branch users-branch already exists/);
    expect(git(repo, "rev-parse", "users-branch").trim()).toBe(tip);
    expect(exists(dirOf("rc-users"))).toBe(false);
    expect(records()).toBe(before);
    git(repo, "branch", "-D", "users-branch");
  });

  it("keeps a branch that has commits of its own", async () => {
    const h = await provider.create(spec("rc-work"));
    fs.writeFileSync(path.join(h.hostPath!, "work.txt"), "work\n");
    git(h.hostPath!, "add", "work.txt");
    git(h.hostPath!, "commit", "-q", "-m", "precious");
    await provider.reclaim(spec("rc-work"));
    expect(exists(dirOf("rc-work"))).toBe(false);
    expect(records()).toBe(before);
    expect(git(repo, "log", "-1", "--format=%s", "swarm/rc-work").trim()).toBe("precious");
    git(repo, "branch", "-D", "swarm/rc-work");
  });

  it("a --branch the create never registered (the daemon died waiting on the repository lock) is the user's: kept, upstream config and all", async () => {
    git(repo, "branch", "feature-x"); // at main's tip: no commits of its own
    git(repo, "config", "branch.feature-x.remote", "origin");
    git(repo, "config", "branch.feature-x.merge", "refs/heads/feature-x");
    fs.mkdirSync(dirOf("rc-fx"), { recursive: true }); // the create's claim on the name
    await provider.reclaim(spec("rc-fx", { branch: "feature-x" }));
    expect(exists(dirOf("rc-fx"))).toBe(false);
    expect(git(repo, "branch", "--list", "--format=%(refname:short)", "feature-x").trim()).toBe("feature-x");
    expect(git(repo, "config", "branch.feature-x.remote").trim()).toBe("origin");
    expect(git(repo, "config", "branch.feature-x.merge").trim()).toBe("refs/heads/feature-x");
    git(repo, "branch", "-D", "feature-x");
  });

  it("a --branch our add made (git's record of our folder has it checked out) is removed", async () => {
    git(repo, "worktree", "add", "--quiet", "--no-checkout", "-b", "feature-y", dirOf("rc-fy"), "HEAD");
    await provider.reclaim(spec("rc-fy", { branch: "feature-y" }));
    expect(exists(dirOf("rc-fy"))).toBe(false);
    expect(git(repo, "branch", "--list", "--format=%(refname:short)", "feature-y").trim()).toBe("");
    expect(records()).toBe(before);
  });

  it("the default swarm/<name> is ours even when git's record of it is gone", async () => {
    git(repo, "branch", "swarm/rc-norecord");
    await reclaimThenCreate("rc-norecord");
  });
});

describe("worktree: a missing command", () => {
  it("exits 127 with a plain message, with cgroups and without (the same on every host)", async () => {
    const plain = new WorktreeProvider(providerContext(tempDir("swarm-wt-nocg-")), { cgroups: false });
    const hosts = [provider, plain];
    for (const p of hosts) {
      const h = await p.create(spec(`nocmd-${hosts.indexOf(p)}`));
      try {
        const r = await p.exec(h, ["no-such-command-zq"]);
        expect({ code: r.exitCode, err: r.stderr.toString() }).toEqual({ code: 127, err: "no-such-command-zq: command not found\n" });
        expect((await p.exec(h, ["sh", "-c", "echo ok"])).stdout.toString()).toBe("ok\n");
      } finally {
        await p.delete(h, { force: true });
      }
    }
  });
});

describe.skipIf(!enforced)(`worktree: cgroups an earlier environment left (skipped when ${NOT_ENFORCED})`, () => {
  it("a leftover group with a process in it refuses a create of that name and the process is not killed; once it is empty the name is free", async () => {
    const group = provider.groups.dirs("rc-leftover")[0]!;
    fs.mkdirSync(group, { recursive: true });
    const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
    const exited = new Promise((r) => stranger.once("exit", r));
    try {
      fs.writeFileSync(path.join(group, "cgroup.procs"), String(stranger.pid));
      await expectKind(provider.create(spec("rc-leftover")), "CONFLICT", new RegExp(`earlier environment named rc-leftover still holds pid ${stranger.pid}`));
      expect(exists(path.join(stateDir, "worktrees", "rc-leftover"))).toBe(false);
      expect(stranger.exitCode).toBeNull();
      expect(stranger.signalCode).toBeNull();
    } finally {
      stranger.kill("SIGKILL");
      await exited;
    }
    await waitFor("the group to be empty", () => fs.readFileSync(path.join(group, "cgroup.procs"), "utf8").trim() === "");
    const h = await env("rc-leftover");
    expect(await provider.groups.pids("rc-leftover", h.hostPath!)).toEqual([]);
  });

  it("a group that cannot be removed is reported by reclaim (not left silently), and a create of that name refuses it", async () => {
    const h = await provider.create(spec("rc-stuckgroup"));
    expect((await sh(h, "echo in")).out).toBe("in\n"); // makes the groups
    const group = provider.groups.dirs("rc-stuckgroup").find(exists)!;
    const child = path.join(group, "child");
    fs.mkdirSync(child); // the kernel refuses rmdir of a group with child groups
    try {
      await expectKind(
        provider.reclaim(spec("rc-stuckgroup")),
        "UNAVAILABLE",
        /cannot remove the cgroup\(s\) of rc-stuckgroup: .*still in use after 1 s \(child group\(s\) child\)/,
      );
      await expectKind(provider.create(spec("rc-stuckgroup")), "CONFLICT", /cannot be removed/);
    } finally {
      fs.rmdirSync(child);
    }
    await provider.reclaim(spec("rc-stuckgroup"));
    expect(provider.groups.dirs("rc-stuckgroup").filter(exists)).toEqual([]);
  });
});

describe.skipIf(!enforced)(`worktree limits through the daemon and CLI (skipped when ${NOT_ENFORCED})`, () => {
  let w: EnvWorld;
  beforeAll(async () => {
    w = await startWorld();
  }, 60_000);
  afterAll(async () => {
    await w?.dispose();
  }, 120_000);

  it("env create --memory 64M, then a memory hog in env run exits 137; without --memory it completes", async () => {
    expect((await w.ctl(["env", "create", "w1", "--repo", w.repo, "--memory", "64M"])).code).toBe(0);
    const hog = await w.ctl(["env", "run", "w1", "--", "sh", "-c", HOG], { timeoutMs: 60_000 });
    expect(hog.code).toBe(137);
    expect((await w.ctl(["env", "run", "w1", "--", "sh", "-c", "head -c 8M /dev/zero | tail | wc -c"])).stdout.trim()).toBe(String(8 * 1024 * 1024));

    expect((await w.ctl(["env", "create", "w2", "--repo", w.repo])).code).toBe(0);
    const free = await w.ctl(["env", "run", "w2", "--", "sh", "-c", `${HOG} | wc -c`], { timeoutMs: 60_000 });
    expect(free.code).toBe(0);
    expect(free.stdout.trim()).toBe(String(200 * 1024 * 1024));
  }, 120_000);
});
