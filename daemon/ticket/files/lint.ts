import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../../protocol/errors.js";
import { findCycle, formatCycle } from "../dag.js";
import { parseTicketFile, type FileTicket } from "./parse.js";

export interface LintReport {
  dir: string;
  files: number;
  ok: boolean;
  problems: { file: string; message: string; line: number | null }[];
}

/** Every `.md` file under `dir` (recursively), sorted, skipping dot-folders. */
export function ticketFilesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith(".md")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function checkDir(dir: string): string {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new SwarmError("NOT_FOUND", `no folder ${abs}`, { hint: "create it (e.g. `swarmctl init` makes tickets/) or pass another path" });
  }
  if (!st.isDirectory()) throw new SwarmError("INVALID_ARGUMENT", `${abs} is not a folder`);
  return abs;
}

/**
 * Checks a folder of ticket files without touching the store: each file's front matter,
 * duplicate ids, dependencies nobody defines, and cycles between files.
 */
export function lintDir(dir: string, ticketExists: (id: string) => boolean, maxBodyBytes = Number.POSITIVE_INFINITY): LintReport {
  const abs = checkDir(dir);
  const files = ticketFilesIn(abs);
  const problems: LintReport["problems"] = [];
  const byId = new Map<string, { file: string; t: FileTicket }>();
  for (const file of files) {
    const p = parseTicketFile(fs.readFileSync(file, "utf8"), file);
    if (!p.ok) {
      for (const pr of p.problems) problems.push({ file, ...pr });
      continue;
    }
    const size = Buffer.byteLength(p.ticket.body, "utf8");
    if (size > maxBodyBytes) {
      problems.push({ file, message: `body is ${size} bytes; the limit is ${maxBodyBytes} (tickets.max_body_bytes)`, line: null });
      continue;
    }
    const other = byId.get(p.ticket.id);
    if (other) {
      problems.push({ file, message: `id ${p.ticket.id} is also defined by ${other.file}`, line: null });
      continue;
    }
    byId.set(p.ticket.id, { file, t: p.ticket });
  }
  for (const { file, t } of byId.values()) {
    const missing = t.depends_on.filter((d) => !byId.has(d) && !ticketExists(d));
    if (missing.length) problems.push({ file, message: `depends_on ${missing.join(", ")}: no ticket or ticket file has that id`, line: null });
  }
  const cycle = findCycle(byId.keys(), (id) => (byId.get(id)?.t.depends_on ?? []).filter((d) => byId.has(d)));
  if (cycle) problems.push({ file: byId.get(cycle[0]!)!.file, message: `dependencies form a cycle: ${formatCycle(cycle)}`, line: null });
  return { dir: abs, files: files.length, ok: problems.length === 0, problems };
}
