import type { Config } from "../protocol/config/schema.js";
import type { SwarmPaths } from "../protocol/paths.js";
import type { ConfigStore } from "./config/config-store.js";
import type { EventLog } from "./events/event-log.js";
import type { Logger } from "./log/logger.js";
import type { Db } from "./store/db.js";

/**
 * What every domain of the daemon is given. Assembled once in daemon/main.ts; domains
 * receive it instead of importing singletons, so tests can assemble their own.
 */
export interface DaemonContext {
  readonly paths: SwarmPaths;
  readonly db: Db;
  readonly events: EventLog;
  readonly config: ConfigStore;
  readonly logger: Logger;
  readonly startedAt: Date;
  /** Live config; read it at use time so hot reloads take effect. */
  cfg(): Config;
  /** Things to run at graceful shutdown, in reverse order of registration. */
  onShutdown(fn: () => void | Promise<void>): void;
  requestShutdown(reason: string): void;
}
