import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";

/**
 * Resolves `rel` (a path the user gave for inside an environment) against `root`,
 * refusing anything that could land outside it: absolute paths, `..` segments, and
 * symlinks (at any level that exists) whose target leaves the root.
 */
export async function resolveInside(root: string, rel: string, what = "path"): Promise<string> {
  if (typeof rel !== "string" || rel.length === 0) {
    throw refused(rel, what, "it is empty", "give a path relative to the environment's working directory");
  }
  if (rel.includes("\0")) throw refused(rel, what, "it contains a NUL byte");
  if (path.isAbsolute(rel)) {
    throw refused(rel, what, "it is absolute", "give a path relative to the environment's working directory, e.g. src/file.txt");
  }
  const parts = rel.split(/[\\/]+/);
  if (parts.includes("..")) throw refused(rel, what, "it contains '..'", "paths may not climb out of the environment");
  const realRoot = await fs.realpath(root);
  const target = path.join(realRoot, ...parts.filter((p) => p !== "" && p !== "."));
  // Walk each existing prefix: a symlink anywhere along the way must stay inside the root.
  let cur = realRoot;
  for (const part of path.relative(realRoot, target).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    let st;
    try {
      st = await fs.lstat(cur);
    } catch {
      break; // the rest does not exist yet: nothing more to follow
    }
    if (st.isSymbolicLink()) {
      const real = await fs.realpath(cur).catch(() => null);
      if (real === null || !isInside(realRoot, real)) {
        throw refused(rel, what, `${path.relative(realRoot, cur)} is a symlink pointing outside the environment`);
      }
    }
  }
  return target;
}

export function isInside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === "" || (!r.startsWith("..") && !path.isAbsolute(r));
}

function refused(rel: string, what: string, why: string, hint?: string): SwarmError {
  return new SwarmError("INVALID_ARGUMENT", `refused ${what} ${JSON.stringify(rel)}: ${why}`, {
    details: { path: rel },
    hint: hint ?? "give a path relative to the environment's working directory that stays inside it",
  });
}
