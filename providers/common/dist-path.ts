/**
 * Where swarm's own compiled helper programs are, for spawning them by path (node runs the
 * dist/ build, whether the caller is itself the build or sources under a test runner).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the swarm package root");
    dir = up;
  }
  return dir;
}

/** A compiled helper, e.g. distScript("providers", "vm", "mux.js"). */
export function distScript(...segments: string[]): string {
  return path.join(repoRoot(), "dist", ...segments);
}
