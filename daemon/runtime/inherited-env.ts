import { getAdapter } from "./adapters/index.js";
import type { AgentKind } from "./adapters/types.js";

/**
 * A program inherits the daemon's environment (holder-spawn's childEnv, the tmux server's,
 * a provider's). An agent whose adapter names variables it must not inherit is started
 * through `env -u NAME…`, the one form that removes a variable the same way for every
 * backend and provider; the command the runtime records stays the one it was given.
 */
export function withoutInherited(
  agent: string,
  argv: string[],
  given: Record<string, string> | undefined,
  inherited: NodeJS.ProcessEnv = process.env,
): string[] {
  const re = getAdapter(agent as AgentKind)?.notInherited;
  if (!re) return argv;
  const names = Object.keys(inherited)
    .filter((k) => re.test(k) && !(given && k in given))
    .sort();
  return names.length ? ["env", ...names.flatMap((n) => ["-u", n]), ...argv] : argv;
}
