import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Git } from "../../providers/common/git.js";
import { KeyedLock } from "../../protocol/keyed-lock.js";
import { Semaphore } from "../../providers/common/limit.js";
import { runProcess } from "../../providers/common/run.js";
import { resolveInside } from "../../providers/common/safe-path.js";
import { expectKind } from "./contract.js";
import { GIT_ID, makeRepo, tempDir } from "./fixtures.js";

describe("resolveInside", () => {
  it("accepts paths inside, including through symlinks that stay inside", async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "a"));
    fs.symlinkSync("a", path.join(root, "link-in"));
    expect(await resolveInside(root, "a/new/file")).toBe(path.join(root, "a/new/file"));
    expect(await resolveInside(root, "./link-in/x")).toBe(path.join(root, "link-in/x"));
    expect(await resolveInside(root, ".")).toBe(root);
  });

  it("refuses '..', absolute, empty, and symlinks out (also dangling ones)", async () => {
    const root = tempDir();
    fs.symlinkSync("/etc", path.join(root, "out"));
    fs.symlinkSync("../../nowhere", path.join(root, "dangling"));
    await expectKind(resolveInside(root, "a/../../x"), "INVALID_ARGUMENT", /contains '\.\.'/);
    await expectKind(resolveInside(root, "/etc/passwd"), "INVALID_ARGUMENT", /absolute/);
    await expectKind(resolveInside(root, ""), "INVALID_ARGUMENT", /empty/);
    await expectKind(resolveInside(root, "out/passwd"), "INVALID_ARGUMENT", /out is a symlink pointing outside/);
    await expectKind(resolveInside(root, "dangling/x"), "INVALID_ARGUMENT", /dangling is a symlink/);
  });
});

describe("git helpers", () => {
  it("resolveCommitFast reads HEAD from loose refs, packed refs and a detached HEAD like git does", async () => {
    const repo = makeRepo();
    const git = new Git(runProcess);
    const revParse = () => execFileSync("git", ["-C", repo, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(await git.resolveCommitFast(repo, "HEAD")).toBe(revParse());
    execFileSync("git", [...GIT_ID, "-C", repo, "commit", "-q", "--allow-empty", "-m", "2"]);
    execFileSync("git", ["-C", repo, "pack-refs", "--all"]);
    expect(fs.existsSync(path.join(repo, ".git/refs/heads/main"))).toBe(false);
    expect(await git.resolveCommitFast(repo, "HEAD")).toBe(revParse());
    execFileSync("git", ["-C", repo, "checkout", "-q", "--detach", "HEAD~1"]);
    expect(await git.resolveCommitFast(repo, "HEAD")).toBe(revParse());
    await expectKind(git.resolveCommitFast(repo, "nope"), "INVALID_ARGUMENT", /nope is not a commit/);
  });
});

describe("locks", () => {
  it("KeyedLock runs one at a time per key, in order; Semaphore bounds parallelism", async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let inside = 0;
    let maxInside = 0;
    const task = (i: number) =>
      lock.with("k", async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setImmediate(r));
        log.push(String(i));
        inside--;
      });
    await Promise.all([0, 1, 2, 3, 4].map(task));
    expect(log).toEqual(["0", "1", "2", "3", "4"]);
    expect(maxInside).toBe(1);
    const sem = new Semaphore(3);
    let now = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        sem.with(async () => {
          now++;
          peak = Math.max(peak, now);
          await new Promise((r) => setImmediate(r));
          now--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
