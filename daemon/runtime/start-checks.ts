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
