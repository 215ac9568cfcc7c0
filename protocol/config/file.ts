import fs from "node:fs";
import { parseConfig, type Config, type ConfigProblem } from "./schema.js";

/** Reads the raw JSON of a config file; a missing or empty file is an empty config. */
export function readRawConfig(file: string): { raw: Record<string, unknown> } | { problems: ConfigProblem[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { raw: {} };
    return { problems: [{ key: "(file)", message: `cannot read: ${(err as Error).message}` }] };
  }
  if (text.trim() === "") return { raw: {} };
  try {
    const raw = JSON.parse(text) as unknown;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return { problems: [{ key: "(root)", message: "the config must be a JSON object" }] };
    }
    return { raw: raw as Record<string, unknown> };
  } catch (err) {
    return { problems: [{ key: "(file)", message: `not valid JSON: ${(err as Error).message}` }] };
  }
}

/** Every problem of a config file, or none. */
export function checkConfigFile(file: string): { config: Config | null; problems: ConfigProblem[] } {
  const r = readRawConfig(file);
  if ("problems" in r) return { config: null, problems: r.problems };
  const parsed = parseConfig(r.raw);
  return parsed.ok ? { config: parsed.config, problems: [] } : { config: null, problems: parsed.problems };
}
