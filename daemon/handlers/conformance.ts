import { CONFORMANCE_METHODS } from "../../protocol/methods/conformance.js";
import type { HandlerEntry } from "../rpc/handler.js";

const byName = new Map<string, (typeof CONFORMANCE_METHODS)[number]>(CONFORMANCE_METHODS.map((m) => [m.name, m]));
function method(name: string) {
  const m = byName.get(name);
  if (!m) throw new Error(name);
  return m;
}

/** The JSON-RPC specification's example methods, for conformance tests only. */
export function conformanceHandlers(): HandlerEntry[] {
  return [
    {
      method: method("test.subtract"),
      fn: (p) =>
        Array.isArray(p)
          ? (p[0] as number) - (p[1] as number)
          : (p as { minuend: number; subtrahend: number }).minuend - (p as { subtrahend: number }).subtrahend,
    },
    { method: method("test.sum"), fn: (p) => (p as number[]).reduce((a, b) => a + b, 0) },
    { method: method("test.update"), fn: () => null },
    { method: method("test.notify_hello"), fn: () => null },
    { method: method("test.notify_sum"), fn: () => null },
    { method: method("test.get_data"), fn: () => ["hello", 5] },
    {
      method: method("test.sleep"),
      fn: async (p) => {
        const ms = (p as { ms: number }).ms;
        await new Promise((r) => setTimeout(r, ms));
        return { slept: ms };
      },
    },
  ];
}
