import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";

export interface BulkResult {
  name: string;
  ok: boolean;
  message: string;
}

/**
 * Runs `fn` for every name with at most `limit` at once. Every item gets a result: a bad
 * name or a failure is reported for that item only, never aborting the others.
 */
export async function runBulk(names: string[], limit: number, fn: (name: string) => Promise<string>): Promise<BulkResult[]> {
  const results: BulkResult[] = new Array(names.length);
  const seen = new Set<string>();
  let next = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= names.length) return;
      const name = names[i]!;
      const bad = checkName(name);
      if (bad) {
        results[i] = { name, ok: false, message: bad };
        continue;
      }
      if (seen.has(name)) {
        results[i] = { name, ok: false, message: `${name} is listed more than once` };
        continue;
      }
      seen.add(name);
      try {
        results[i] = { name, ok: true, message: await fn(name) };
      } catch (err) {
        const msg = err instanceof SwarmError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
        results[i] = { name, ok: false, message: msg };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, names.length) }, worker));
  return results;
}
