import type { AuditLog } from "../audit/log.js";
import type { EventLog } from "../events/event-log.js";
import type { Guard } from "../identity/guard.js";
import type { LoopBreaker } from "./loops.js";
import type { MessageStore } from "./messages.js";
import type { RateLimiter } from "./rate-limit.js";
import type { SessionStore } from "./sessions.js";
import type { ThreadStore } from "./threads.js";
import type { ThreadsConfig } from "../../protocol/config/threads.js";

/** What thread.trigger and session.heartbeat hand over to the wake domain (daemon/wake), wired in daemon/assemble.ts. */
export interface WakeHandOver {
  /** One wake per participant; runs inside the trigger's transaction. */
  trigger(
    thread: string,
    participants: string[],
    reason: string | null,
    by: string,
  ): { participant: string; wake_id: string; outcome: string | null; deduped_into: string | null }[];
  /** An agent's session heartbeat acknowledges its wakes waiting for an ack. */
  onHeartbeat(agent: string): void;
}

/** Where bridge.hello goes: the runtime manager, which holds a freshly wired agent in `starting` until it. */
export type BridgeHello = (runtime: string) => { runtime: string; waited_ms: number | null };

/** What the thread handlers work with; built in daemon/thread/domain.ts. */
export interface ThreadDeps {
  guard: Guard;
  threads: ThreadStore;
  messages: MessageStore;
  loops: LoopBreaker;
  rate: RateLimiter;
  sessions: SessionStore;
  events: EventLog;
  audit: AuditLog;
  cfg: () => ThreadsConfig;
  /** Throws NOT_FOUND when no such ticket exists. */
  assertTicket: (id: string) => void;
  /** the wake service; without it a trigger is only recorded */
  wake: WakeHandOver | null;
  /** without it, bridge.hello is answered and changes nothing */
  bridgeHello: BridgeHello | null;
}
