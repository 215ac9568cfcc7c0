import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { SwarmError } from "../../protocol/errors.js";

const run = promisify(execFile);
const GIT_MAX_BUFFER = 64 * 1024 * 1024;

export interface WorkdirDiff {
  diff: string;
  files: string[];
  /** of `files`, those git does not track (new, never added) */
  untracked: string[];
}

async function git(workdir: string, args: string[], okCodes: number[] = [0]): Promise<string> {
  try {
    const r = await run("git", ["-C", workdir, ...args], { maxBuffer: GIT_MAX_BUFFER, encoding: "utf8" });
    return r.stdout;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code === "number" && okCodes.includes(e.code)) return e.stdout ?? "";
    throw new SwarmError("INVALID_ARGUMENT", `git ${args[0]} in ${workdir} failed: ${(e.stderr ?? String(err)).trim().split("\n")[0]}`);
  }
}

/**
 * The environment's changes against `base`: tracked changes (committed since base, staged
 * and unstaged) plus untracked files, without touching the work tree or its index.
 */
export async function diffWorkdir(workdir: string, base = "HEAD"): Promise<WorkdirDiff> {
  const abs = path.resolve(workdir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new SwarmError("INVALID_ARGUMENT", `workdir ${abs} is not a folder`, { hint: "pass the environment's work tree" });
  }
  if ((await git(abs, ["rev-parse", "--is-inside-work-tree"]).catch(() => "")).trim() !== "true") {
    throw new SwarmError("INVALID_ARGUMENT", `workdir ${abs} is not a git work tree`, { hint: "approvals diff against git; pass `diff` instead" });
  }
  if (base.startsWith("-")) throw new SwarmError("INVALID_ARGUMENT", `base ${JSON.stringify(base)} must be a commit-ish, not an option`);
  await git(abs, ["rev-parse", "--verify", "--quiet", `${base}^{commit}`]).catch(() => {
    throw new SwarmError("INVALID_ARGUMENT", `base ${base} is not a commit in ${abs}`);
  });
  const tracked = await git(abs, ["diff", "--no-color", "--no-ext-diff", base, "--"]);
  const names = (await git(abs, ["diff", "--name-only", base, "--"])).split("\n").filter(Boolean);
  const untracked = (await git(abs, ["ls-files", "--others", "--exclude-standard", "-z"])).split("\0").filter(Boolean);
  let diff = tracked;
  for (const f of untracked.sort()) {
    // --no-index exits 1 when the files differ, which they always do here.
    diff += await git(abs, ["diff", "--no-color", "--no-index", "--", "/dev/null", f], [1]);
  }
  return { diff, files: [...names, ...untracked].sort(), untracked: untracked.sort() };
}

/**
 * The files a unified diff given as text touches, from its `diff --git a/X b/Y` headers (the
 * new side's path; a deletion's old path), else its `+++`/`---` lines: so an approval
 * requested with a diff and no workdir still counts and lists its files.
 */
export function filesInDiff(diff: string): string[] {
  const files = new Set<string>();
  const gitStyle = diff.includes("diff --git ");
  let pending: string | null = null;
  for (const line of diff.split("\n")) {
    const git = /^diff --git a\/(.+?) b\/(.+)$/.exec(line);
    if (git) {
      files.add(git[2]!);
      pending = null;
      continue;
    }
    if (line.startsWith("--- ")) pending = line.slice(4).replace(/^a\//, "").replace(/\t.*$/, "");
    else if (line.startsWith("+++ ") && !gitStyle) {
      const plus = line.slice(4).replace(/^b\//, "").replace(/\t.*$/, "");
      const name = plus === "/dev/null" ? pending : plus;
      if (name && name !== "/dev/null") files.add(name);
      pending = null;
    }
  }
  return [...files].sort();
}

/** Cuts a diff to `max` bytes on a line boundary. */
export function capDiff(diff: string, max: number): { diff: string; truncated: boolean } {
  if (Buffer.byteLength(diff, "utf8") <= max) return { diff, truncated: false };
  const cut = Buffer.from(diff, "utf8").subarray(0, max).toString("utf8");
  const nl = cut.lastIndexOf("\n");
  return { diff: nl > 0 ? cut.slice(0, nl + 1) : cut, truncated: true };
}
