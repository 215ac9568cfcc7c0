import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";

export function assertName(name: string, what = "environment"): void {
  const bad = checkName(name);
  if (bad) throw new SwarmError("INVALID_ARGUMENT", `${what} ${bad}`);
}

/** Default checkpoint name: a timestamp that is also a valid name. */
export function timestampName(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[:]/g, "-")
    .replace(/\.\d+Z$/, "Z");
}

export function assertArgv(argv: string[]): void {
  if (!Array.isArray(argv) || argv.length === 0 || typeof argv[0] !== "string" || argv[0] === "") {
    throw new SwarmError("INVALID_ARGUMENT", "no command given", { hint: "pass the command after --, e.g. swarmctl env run NAME -- ls -la" });
  }
}
