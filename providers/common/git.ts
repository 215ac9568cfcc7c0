import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { runOk, type Runner } from "./run.js";

/** Identity and safety flags for git commands swarm runs on its own behalf. */
const GIT_FLAGS = ["-c", "user.name=swarm", "-c", "user.email=swarm@localhost", "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0"];

/** A path's top level and common dir do not change while it exists: asked once per process. */
const repoInfoCache = new Map<string, { top: string; commonDir: string }>();

export class Git {
  constructor(private readonly run: Runner) {}

  /** Runs git and returns stdout; throws INTERNAL with git's message on failure. */
  async out(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    return runOk(this.run, "git", [...GIT_FLAGS, "-C", cwd, ...args], {
      what: `git ${args[0] ?? ""} in ${cwd}`,
      env: env ? { ...process.env, ...env } : undefined,
    });
  }

  async tryOut(cwd: string, args: string[]): Promise<string | null> {
    const r = await this.run("git", [...GIT_FLAGS, "-C", cwd, ...args]);
    return r.exitCode === 0 ? r.stdout.toString() : null;
  }

  /** The repository's top level and its common git dir (shared by its worktrees). */
  async repoInfo(repo: string): Promise<{ top: string; commonDir: string }> {
    const cached = repoInfoCache.get(repo);
    if (
      cached &&
      (await fs.stat(cached.commonDir).then(
        () => true,
        () => false,
      ))
    )
      return cached;
    const st = await fs.stat(repo).catch(() => null);
    if (!st?.isDirectory()) throw new SwarmError("NOT_FOUND", `repository ${repo} does not exist`, { hint: "pass --repo with the path of a git repository" });
    const out = await this.tryOut(repo, ["rev-parse", "--show-toplevel", "--git-common-dir"]);
    if (out === null) {
      throw new SwarmError("INVALID_ARGUMENT", `${repo} is not a git repository`, {
        hint: "pass --repo with the path of a git repository (git init; git commit)",
      });
    }
    const [top, common] = out.trim().split("\n");
    const info = { top: await fs.realpath(top!), commonDir: await fs.realpath(path.resolve(repo, common!)) };
    repoInfoCache.set(repo, info);
    return info;
  }

  async resolveCommit(repo: string, rev: string): Promise<string> {
    const out = await this.tryOut(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
    if (out === null) {
      throw new SwarmError("INVALID_ARGUMENT", `${rev} is not a commit in ${repo}`, { hint: "give a branch, tag or commit that exists (git log)" });
    }
    return out.trim();
  }

  /**
   * Like resolveCommit, but answers "HEAD" of a plain repository by reading the ref files
   * (no git process: creates that run 100 at once feel every spawn); anything unusual
   * (worktrees, symbolic chains, other revs) goes to git.
   */
  async resolveCommitFast(top: string, rev: string): Promise<string> {
    if (rev === "HEAD") {
      const gitDir = path.join(top, ".git");
      const head = await fs.readFile(path.join(gitDir, "HEAD"), "utf8").catch(() => null);
      const sha = /^[0-9a-f]{40}$/;
      if (head !== null && sha.test(head.trim())) return head.trim();
      const ref = head?.match(/^ref: (refs\/heads\/[^\s]+)\s*$/)?.[1];
      if (ref && !ref.includes("..")) {
        const loose = (await fs.readFile(path.join(gitDir, ref), "utf8").catch(() => "")).trim();
        if (sha.test(loose)) return loose;
        if (loose === "") {
          const packed = await fs.readFile(path.join(gitDir, "packed-refs"), "utf8").catch(() => "");
          const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
          const id = line?.split(" ")[0];
          if (id && sha.test(id)) return id;
        }
      }
    }
    return this.resolveCommit(top, rev);
  }

  async branchExists(repo: string, branch: string): Promise<boolean> {
    return (await this.tryOut(repo, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`])) !== null;
  }

  /** `git status --porcelain` lines (untracked included, ignored excluded). */
  async dirtyFiles(dir: string): Promise<string[]> {
    const out = await this.out(dir, ["status", "--porcelain", "--untracked-files=all"]);
    return out.split("\n").filter(Boolean);
  }

  /** Commits on `branch` reachable from no other branch and not from `base`. */
  async unmergedCommits(repo: string, branch: string, base: string): Promise<number> {
    const out = await this.out(repo, ["rev-list", "--count", `refs/heads/${branch}`, "--not", `--exclude=${branch}`, "--branches", base]);
    return Number(out.trim());
  }
}
