import type { Logger } from "../log/logger.js";
import { redactionValues } from "../secrets/redactor.js";
import type { StartParams } from "./backend.js";
import type { SecretValues } from "./env-access.js";

/**
 * What a runtime's output is redacted of (R-O4): every secret's value, the caller's `vars`
 * except swarm's own SWARM_* context (ticket id and title, thread: shown to the agent on
 * purpose), and the bridge's variables (the agent's token). Nothing with redact: false,
 * which the runtime.started event and the daemon log record.
 */
export function redactionOf(p: StartParams, bridgeEnv: Record<string, string> | undefined, secretValues: SecretValues, logger: Logger): string[] {
  if (!p.redact) {
    logger.warn("runtime started without redaction: secrets it prints are recorded as printed", { name: p.name });
    return [];
  }
  const own = Object.entries(p.vars ?? {})
    .filter(([k]) => !k.startsWith("SWARM_"))
    .map(([, v]) => v);
  // filtered here, not in each holder, so the native and the Node holder mask the same values
  return redactionValues([...secretValues(), ...own, ...Object.values(bridgeEnv ?? {})]);
}
