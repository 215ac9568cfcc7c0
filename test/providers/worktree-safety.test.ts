import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvSpec } from "../../providers/types.js";
import { runProcess, type Runner } from "../../providers/common/run.js";
import { WorktreeProvider } from "../../providers/worktree/provider.js";
import { deadlineMs, waitFor } from "../helpers/daemon.js";
import { expectKind } from "./contract.js";
import { GIT_ID, makeRepo, providerContext, tempDir } from "./fixtures.js";

const spec = (name: string, repo: string, extra: Partial<EnvSpec> = {}): EnvSpec => ({
  name,
  project: "p",
  repo,
  branch: "",
  cpus: 1,
  memoryMiB: 256,
  net: "full",
  ...extra,
});
const git = (dir: string, ...args: string[]) => execFileSync("git", [...GIT_ID, "-C", dir, ...args], { encoding: "utf8" });

describe("worktree provider: delete safety and the trash", () => {
  it("refuses delete with unmerged commits, names them, and the trash restores work and branch", async () => {
    const repo = makeRepo();
    const p = new WorktreeProvider(providerContext(tempDir()));
    const h = await p.create(spec("unmerged", repo));
    expect(git(repo, "branch", "--list", "--format=%(refname:short)", "swarm/unmerged").trim()).toBe("swarm/unmerged");
    fs.writeFileSync(path.join(h.hostPath!, "work.txt"), "committed work\n");
    git(h.hostPath!, "add", "work.txt");
    git(h.hostPath!, "commit", "-q", "-m", "work");
    fs.writeFileSync(path.join(h.hostPath!, "scratch.txt"), "uncommitted\n");
    const err = await expectKind(p.delete(h, { force: false }), "CONFLICT", /1 unmerged commit\(s\) on swarm\/unmerged/);
    expect(err.message).toMatch(/uncommitted changes in 1 file\(s\): scratch.txt/);

    await p.delete(h, { force: true });
    expect((await p.status(h)).state).toBe("deleted");
    expect(git(repo, "branch", "--list", "--format=%(refname:short)", "swarm/unmerged").trim()).toBe("");
    expect((await p.listDeleted()).map((e) => e.name)).toEqual(["unmerged"]);

    const back = await p.restoreDeleted("unmerged");
    expect(fs.readFileSync(path.join(back.hostPath!, "scratch.txt"), "utf8")).toBe("uncommitted\n");
    expect(git(back.hostPath!, "log", "-1", "--format=%s").trim()).toBe("work");
    expect(git(back.hostPath!, "status", "--porcelain").trim()).toBe("?? scratch.txt");
    expect(await p.listDeleted()).toEqual([]);
    await expectKind(p.restoreDeleted("unmerged"), "CONFLICT", /exists again/);
    await expectKind(p.restoreDeleted("never-existed"), "NOT_FOUND", /never-existed/);
  });

  it("a merged branch does not block delete", async () => {
    const repo = makeRepo();
    const p = new WorktreeProvider(providerContext(tempDir()));
    const h = await p.create(spec("merged", repo));
    fs.writeFileSync(path.join(h.hostPath!, "w.txt"), "w\n");
    git(h.hostPath!, "add", "w.txt");
    git(h.hostPath!, "commit", "-q", "-m", "w");
    git(repo, "merge", "-q", "--ff-only", "swarm/merged");
    await p.delete(h, { force: false });
    expect((await p.status(h)).state).toBe("deleted");
  });

  it("refuses delete while a process runs in it; force kills it", async () => {
    const repo = makeRepo();
    const p = new WorktreeProvider(providerContext(tempDir()));
    const h = await p.create(spec("busy", repo));
    const cmd = await p.ptyCommand(h, ["sleep", "600"]);
    const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    await waitFor("the process to show up in the worktree", async () => (await p.status(h)).processes === 1);
    await expectKind(p.delete(h, { force: false }), "CONFLICT", new RegExp(`1 live process\\(es\\) \\(pid ${child.pid}\\)`));
    await p.delete(h, { force: true });
    await exited;
    expect(child.signalCode).toBe("SIGTERM");
  });

  it("refuses a branch that already exists, a repo that is not one, and net modes it cannot enforce", async () => {
    const repo = makeRepo();
    git(repo, "branch", "taken");
    const p = new WorktreeProvider(providerContext(tempDir()));
    await expectKind(p.create(spec("b1", repo, { branch: "taken" })), "CONFLICT", /branch taken already exists/);
    await expectKind(p.create(spec("b2", tempDir())), "INVALID_ARGUMENT", /is not a git repository/);
    await expectKind(p.create(spec("b3", "/nonexistent/repo")), "NOT_FOUND", /does not exist/);
    await expectKind(p.create(spec("b4", repo, { base: "no-such-ref" })), "INVALID_ARGUMENT", /no-such-ref is not a commit/);
    await expectKind(p.create(spec("b5", repo, { net: "none" })), "INVALID_ARGUMENT", /cannot enforce network mode none/);
    // failed creates leave nothing behind: the same names work now
    const ok = await p.create(spec("b1", repo));
    expect((await p.status(ok)).state).toBe("running");
  });

  it("restore refuses a checkpoint made by another provider or on another repository", async () => {
    const repo = makeRepo();
    const stateDir = tempDir();
    const p = new WorktreeProvider(providerContext(stateDir));
    const h = await p.create(spec("ck", repo));
    await p.checkpoint(h, "good");
    const file = path.join(stateDir, "checkpoints", "ck", "good.json");
    const info = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(path.join(stateDir, "checkpoints", "ck", "foreign.json"), JSON.stringify({ ...info, name: "foreign", provider: "sandbox" }));
    fs.writeFileSync(path.join(stateDir, "checkpoints", "ck", "otherbase.json"), JSON.stringify({ ...info, name: "otherbase", base: "/elsewhere/.git" }));
    await expectKind(p.restore(h, "foreign"), "CONFLICT", /made by provider sandbox, not worktree/);
    await expectKind(p.restore(h, "otherbase"), "CONFLICT", /made on base \/elsewhere\/\.git/);
    const def = await p.checkpoint(h, "");
    expect(def.name).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
  });
});

describe("worktree provider: concurrency", () => {
  it("serialises the metadata step per repository and checks out in parallel (recorded argv)", async () => {
    const repo = makeRepo(100);
    const inFlight = { add: 0, reset: 0 };
    const peak = { add: 0, reset: 0 };
    const calls: string[][] = [];
    // Checkouts wait (up to 5 s, scaled for a loaded host) until a second one is in flight: a
    // parallel provider gets there at once, a serial one cannot, so the peak below does not
    // depend on timing.
    let openGate: () => void = () => {};
    const gate = new Promise<void>((r) => (openGate = r));
    const recording: Runner = async (file, args, opts) => {
      const kind = args.includes("worktree") && args.includes("add") ? "add" : args.includes("reset") ? "reset" : null;
      if (file === "git") calls.push(args.slice(args.indexOf("-C")));
      if (kind) peak[kind] = Math.max(peak[kind], ++inFlight[kind]);
      if (kind === "reset") {
        if (inFlight.reset >= 2) openGate();
        await Promise.race([gate, new Promise((r) => setTimeout(r, deadlineMs(5000)))]);
      }
      try {
        return await runProcess(file, args, opts);
      } finally {
        if (kind) inFlight[kind]--;
      }
    };
    const stateDir = tempDir();
    const p = new WorktreeProvider(providerContext(stateDir), { runner: recording, checkoutConcurrency: 4 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => p.create(spec(`rec-${i}`, repo))));
    expect(peak.add).toBe(1);
    expect(peak.reset).toBeGreaterThanOrEqual(2);
    expect(peak.reset).toBeLessThanOrEqual(4);
    const dir = path.join(stateDir, "worktrees", "rec-3");
    expect(calls).toContainEqual([
      "-C",
      repo,
      "worktree",
      "add",
      "--quiet",
      "--no-checkout",
      "-b",
      "swarm/rec-3",
      dir,
      expect.stringMatching(/^[0-9a-f]{40}$/),
    ]);
    expect(calls).toContainEqual(["-C", dir, "reset", "-q", "--hard"]);
  });

  it("100 concurrent creates on one repo all succeed", async () => {
    const repo = makeRepo(200);
    const p = new WorktreeProvider(providerContext(tempDir()));
    const names = Array.from({ length: 100 }, (_, i) => `par-${i}`);
    const results = await Promise.allSettled(names.map((n) => p.create(spec(n, repo))));
    const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    const list = git(repo, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree "));
    expect(list.length).toBe(101);
    for (const r of results.slice(0, 5)) {
      const h = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof p.create>>>).value;
      expect(git(h.hostPath!, "status", "--porcelain")).toBe("");
      expect(fs.readFileSync(path.join(h.hostPath!, "src", "d3", "f3.txt"), "utf8")).toMatch(/^file 3\n/);
    }
  }, 120_000);
});
