import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventLog } from "../../../daemon/events/event-log.js";
import { nullLogger } from "../../../daemon/log/logger.js";
import { openDatabase } from "../../../daemon/store/db.js";
import { TicketStore } from "../../../daemon/ticket/store.js";

/** A real TicketStore on a fresh SQLite file (all migrations applied), for module tests. */
export function tempStore(maxBodyBytes = 256 * 1024): { store: TicketStore; events: EventLog; dir: string; close: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-ticket-"));
  const db = openDatabase(path.join(dir, "swarm.db"));
  const events = new EventLog(db, nullLogger());
  const store = new TicketStore(db, events, { maxBodyBytes: () => maxBodyBytes });
  return {
    store,
    events,
    dir,
    close: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
