import { SwarmError } from "../protocol/errors.js";
import { parseDurationMs } from "../protocol/units.js";
import type { MethodName } from "./methods.js";

/**
 * Every call has a deadline, chosen by the kind of method: quick reads and small writes, or
 * long operations (building environments and images, long-polls, waits for a process).
 */
export type DeadlineKind = "quick" | "long";

export const DEFAULT_DEADLINES_MS: Readonly<Record<DeadlineKind, number>> = { quick: 30_000, long: 60 * 60_000 };

/** Env vars overriding the defaults (a duration each, e.g. `10s`, `5m`). */
export const DEADLINE_ENV: Readonly<Record<DeadlineKind, string>> = { quick: "SWARM_RPC_TIMEOUT", long: "SWARM_RPC_LONG_TIMEOUT" };

/** Methods whose work can take minutes; every other method is quick. */
const LONG_METHODS: ReadonlySet<string> = new Set<MethodName>([
  "env.create",
  "env.start",
  "env.stop",
  "env.delete",
  "env.restore_deleted",
  "env.exec",
  "env.copy",
  "env.checkpoint",
  "env.restore",
  "env.bulk_create",
  "env.bulk_delete",
  "vm.init_base",
  "runtime.stop",
  "runtime.kill",
  "runtime.send",
  "ticket.claim",
  "ticket.lint",
  "ticket.watch",
  "ticket.workflow_submit",
  "daemon.shutdown",
]);

export function deadlineKind(method: string): DeadlineKind {
  return LONG_METHODS.has(method) ? "long" : "quick";
}

/** A duration as people type it (500ms, 10s, 5m, 1h), or INVALID_ARGUMENT naming `what`. */
export function parseDuration(text: string, what: string): number {
  const ms = parseDurationMs(text);
  if (ms === null || ms <= 0) {
    throw new SwarmError("INVALID_ARGUMENT", `${what} must be a duration like 500ms, 10s, 5m or 1h, got ${JSON.stringify(text)}`);
  }
  return ms;
}

export interface Deadlines {
  /** When set, every call gets this deadline (`--timeout`). */
  all?: number;
  quick: number;
  long: number;
}

/** Defaults, overridden by the env vars, overridden by an explicit `all` (the CLI's --timeout). */
export function resolveDeadlines(env: NodeJS.ProcessEnv, all?: number): Deadlines {
  const from = (kind: DeadlineKind) => {
    const v = env[DEADLINE_ENV[kind]];
    return v ? parseDuration(v, DEADLINE_ENV[kind]) : DEFAULT_DEADLINES_MS[kind];
  };
  return { quick: from("quick"), long: from("long"), ...(all !== undefined ? { all } : {}) };
}

export function deadlineFor(d: Deadlines, method: string): number {
  return d.all ?? d[deadlineKind(method)];
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
