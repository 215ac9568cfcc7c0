import fs from "node:fs";
import path from "node:path";
import { RUNTIME_MARKER } from "../../../daemon/runtime/process-tree.js";

// What the real-agent tests look for on the host: an agent's own session files, and the
// processes a runtime left (by the marker every runtime's program and its descendants carry).

/** Files under `dir` (recursively) whose name contains `needle`. */
export function filesNamed(dir: string, needle: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.includes(needle)) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

/** Live processes carrying a runtime's marker in their environment (zombies do not count). */
export function marked(id: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const n of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (!fs.readFileSync(`/proc/${n}/environ`).includes(`${RUNTIME_MARKER}=${id}\0`)) continue;
      out.push({ pid: Number(n), cmd: fs.readFileSync(`/proc/${n}/cmdline`, "utf8").replace(/\0/g, " ").trim() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
