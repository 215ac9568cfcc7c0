/**
 * The one place that refuses an operation a runtime does not support. It reads the
 * runtime's feature flags (backend.ts), never the backend's name: a runtime swarm did not
 * start refuses every write (PERMISSION_DENIED), any runtime refuses what its backend
 * lacks (INVALID_ARGUMENT); both name the runtime, the operation and what to do instead.
 */
import { SwarmError } from "../../protocol/errors.js";
import { WRITE_FEATURES, type BackendInfo, type Feature, type RuntimeBackend, type RuntimeCapabilities } from "./backend.js";
import type { RuntimeRow } from "./registry.js";

/** How each capability reads in a sentence ("swarm never writes to it"). */
const VERB: Record<Feature, string> = {
  screen: "reads the screen of",
  send: "writes to",
  input: "writes to",
  attach: "attaches to",
  resize: "resizes",
  signal: "signals",
};

const NOUN: Record<Feature, string> = {
  screen: "screen swarm can read",
  send: "text delivery (send)",
  input: "raw input",
  attach: "attach",
  resize: "resize",
  signal: "signals (stop/kill)",
};

export function refusal(name: string, info: BackendInfo, feature: Feature): SwarmError {
  const details = { management: info.managed ? "managed" : "unmanaged", backend: info.backend, feature };
  if (!info.managed && WRITE_FEATURES.has(feature)) {
    return new SwarmError("PERMISSION_DENIED", `runtime ${name} is unmanaged (observed, not started by swarm); swarm never ${VERB[feature]} it`, {
      hint: info.hint,
      details,
    });
  }
  return new SwarmError("INVALID_ARGUMENT", `runtime ${name} ${info.what}; it has no ${NOUN[feature]}`, { hint: info.hint, details });
}

/** The capability `feature` of a runtime, bound to its backend, or the refusal when its flag is off. */
export function capability<F extends Feature>(backend: RuntimeBackend, row: RuntimeRow, feature: F): RuntimeCapabilities[F] {
  const info = backend.info(row);
  if (!info.features[feature]) throw refusal(row.name, info, feature);
  const fn = backend[feature];
  // a flag without its method is a bug in the backend, not something to refuse politely
  if (typeof fn !== "function") throw new Error(`backend ${backend.kind} announces ${feature} but does not implement it`);
  return (fn as (...a: unknown[]) => unknown).bind(backend) as RuntimeCapabilities[F];
}
