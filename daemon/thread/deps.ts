import type { AuditLog } from "../audit/log.js";
import type { EventLog } from "../events/event-log.js";
import type { Guard } from "../identity/guard.js";
import type { LoopBreaker } from "./loops.js";
import type { MessageStore } from "./messages.js";
import type { RateLimiter } from "./rate-limit.js";
import type { SessionStore } from "./sessions.js";
import type { ThreadStore } from "./threads.js";
import type { ThreadsConfig } from "../../protocol/config/threads.js";

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
}
