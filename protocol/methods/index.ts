import type { MethodDef } from "../method.js";
import * as daemon from "./daemon.js";
import * as event from "./event.js";
import * as config from "./config.js";
import * as env from "./env.js";
import * as ticket from "./ticket.js";
import * as approval from "./approval.js";
import * as provider from "./provider.js";
import * as secret from "./secret.js";
import * as coordinator from "./coordinator.js";
import * as runtime from "./runtime.js";
import * as vm from "./vm.js";
import * as metrics from "./metrics.js";
import * as thread from "./thread.js";
import * as agent from "./agent.js";
import * as audit from "./audit.js";
import * as wake from "./wake.js";

/**
 * The method table: every RPC the daemon serves, by domain. Adding a domain means adding
 * its file here; the daemon refuses to start if a method has no handler.
 */
export const METHOD_GROUPS = {
  daemon,
  event,
  config,
  env,
  ticket,
  approval,
  provider,
  secret,
  coordinator,
  runtime,
  vm,
  metrics,
  thread,
  agent,
  audit,
  wake,
} satisfies Record<string, Record<string, unknown>>;

function isMethodDef(x: unknown): x is MethodDef {
  return typeof x === "object" && x !== null && "name" in x && "params" in x && "result" in x && "summary" in x;
}

export const METHODS: MethodDef[] = Object.values(METHOD_GROUPS)
  .flatMap((group) => Object.values(group))
  .filter(isMethodDef)
  .sort((a, b) => a.name.localeCompare(b.name));

export const METHODS_BY_NAME: ReadonlyMap<string, MethodDef> = new Map(METHODS.map((m) => [m.name, m]));

export * as daemon from "./daemon.js";
export * as event from "./event.js";
export * as config from "./config.js";
export * as env from "./env.js";
export * as ticket from "./ticket.js";
export * as approval from "./approval.js";
export * as provider from "./provider.js";
export * as secret from "./secret.js";
export * as coordinator from "./coordinator.js";
export * as runtime from "./runtime.js";
export * as vm from "./vm.js";
export * as thread from "./thread.js";
export * as agent from "./agent.js";
export * as audit from "./audit.js";
export * as wake from "./wake.js";
