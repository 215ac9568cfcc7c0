import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { StartParams } from "./backend.js";

/** Custom detector rules: valid regexes, and only for agent custom. */
export function checkDetector(p: StartParams): void {
  p.detector?.rules.forEach((rule, i) => {
    try {
      new RegExp(rule.pattern, "m");
    } catch (err) {
      throw new SwarmError("INVALID_ARGUMENT", `detector rule ${i}: ${JSON.stringify(rule.pattern)} is not a valid regex: ${(err as Error).message}`, {
        hint: "write patterns as JavaScript regular expression sources",
      });
    }
  });
  if (p.detector && p.agent !== "custom") {
    throw new SwarmError("INVALID_ARGUMENT", `detector rules apply to agent custom, not ${p.agent}`, { hint: "pass agent: custom, or drop the rules" });
  }
}

/** A runtime's recording files, newest first (output.cast, then output.1.cast, …). */
export function listRecordings(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const idx = (f: string) => (f === "output.cast" ? 0 : Number(f.split(".")[1]));
  return fs
    .readdirSync(dir)
    .filter((f) => /^output(\.\d+)?\.cast$/.test(f))
    .sort((a, b) => idx(b) - idx(a))
    .map((f) => path.join(dir, f));
}
