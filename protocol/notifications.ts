import type { EventRecord } from "./events.js";

/**
 * Server-to-client notification names and their params, in a module that loads no zod so
 * the client (and every one-shot swarmctl call) can use them without loading the schemas.
 */
export const NOTIFICATIONS = {
  /** params: { subscription, event: EventRecord } */
  event: "event.notify",
} as const;

/** Notification params: `runtime.output` {name, data, reset?}; `runtime.exit` {name, exit_code, exit_signal}. */
export const RUNTIME_NOTIFICATIONS = { output: "runtime.output", exit: "runtime.exit" } as const;

export interface NotificationParams {
  "event.notify": { subscription: number; event: EventRecord };
  "runtime.output": { name: string; data: string; reset?: boolean };
  "runtime.exit": { name: string; exit_code: number | null; exit_signal: number | null };
}
