import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Git } from "../../providers/common/git.js";
import { KeyedLock } from "../../protocol/keyed-lock.js";
import { pidAlive } from "../../protocol/os.js";
import { pollUntil, waitUntil } from "../../protocol/wait.js";
import { terminate } from "../../providers/common/procs.js";
import { Semaphore } from "../../protocol/limit.js";
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

describe("shared helpers: KeyedLock.held, pollUntil / waitUntil, pidAlive", () => {
  it("a failing holder releases its key, and held() says while someone runs or waits", async () => {
    const lock = new KeyedLock();
    let release: (() => void) | null = null;
    const first = lock.with("a", () => new Promise<void>((r) => (release = r)));
    const failing = lock
      .with("a", async () => {
        throw new Error("boom");
      })
      .catch((e: unknown) => e);
    expect(lock.held("a")).toBe(true);
    expect(lock.held("b")).toBe(false);
    (await waitUntil("the first holder to run", () => release, { timeoutMs: 5_000 }))();
    await first;
    expect(await failing).toMatchObject({ message: "boom" });
    expect(await lock.with("a", async () => "after")).toBe("after");
    expect(lock.held("a")).toBe(false);
  });

  it("pollUntil returns the first value that holds, or null at the deadline; waitUntil names what timed out", async () => {
    let n = 0;
    expect(await pollUntil(() => (++n >= 3 ? `n=${n}` : null), { timeoutMs: 5_000, everyMs: 1 })).toBe("n=3");
    const t0 = Date.now();
    expect(await pollUntil(() => false, { timeoutMs: 50, everyMs: 5 })).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    const err = await waitUntil("the thing to appear", () => undefined, { timeoutMs: 30, hint: "look elsewhere" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "TIMEOUT", hint: "look elsewhere", message: expect.stringContaining("waiting for the thing to appear") });
    // 0 is a value, not "not yet"
    expect(await pollUntil(() => 0, { timeoutMs: 10 })).toBe(0);
  });

  it("pidAlive counts a zombie as dead, and terminate() does not wait on one", async () => {
    // `sleep 0 &` becomes a child of the exec'd `sleep 30`, which never reaps it: a zombie
    const sh = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombie = Number((await new Promise<Buffer>((r) => sh.stdout.once("data", r))).toString().trim());
    try {
      await waitUntil("the child to become a zombie", () => / Z /.test(fs.readFileSync(`/proc/${zombie}/stat`, "utf8")), { timeoutMs: 10_000 });
      expect(() => process.kill(zombie, 0)).not.toThrow(); // signal 0 alone would call it alive
      expect(pidAlive(zombie)).toBe(false);
      expect(pidAlive(process.pid)).toBe(true);
      const t0 = Date.now();
      await terminate([zombie], 5_000);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      sh.kill("SIGKILL");
    }
  });
});
