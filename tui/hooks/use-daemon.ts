import { useEffect, useReducer } from "react";
import { connectDaemon } from "../../client/index.js";
import { NOTIFICATIONS, type EventRecord } from "../../protocol/events.js";
import type { SwarmPaths } from "../../protocol/paths.js";
import { initialState, reducer, type DaemonInfo } from "../state/reducer.js";

/**
 * Keeps a connection to the daemon: subscribes to events from the last id seen, and on a
 * disconnect (daemon restart) reconnects and resumes with no gap and no duplicate.
 */
export function useDaemon(paths: SwarmPaths) {
  const [state, dispatch] = useReducer(reducer, initialState);
  useEffect(() => {
    let stopped = false;
    let lastId = 0;
    let close: (() => void) | null = null;
    const loop = async () => {
      while (!stopped) {
        try {
          const c = await connectDaemon(paths, { autostart: lastId === 0, clientName: "swarm-tui" });
          close = () => c.close();
          const closed = new Promise<void>((r) => c.onClose(r));
          c.on(NOTIFICATIONS.event, (p) => {
            const ev = (p as { event: EventRecord }).event;
            lastId = Math.max(lastId, ev.id);
            dispatch({ type: "event", event: ev });
          });
          const st = await c.call<DaemonInfo & { last_event_id: number }>("daemon.status");
          dispatch({ type: "connected", daemon: st });
          await c.call("event.subscribe", { since: lastId === 0 ? Math.max(0, st.last_event_id - 50) : lastId });
          await closed;
          dispatch({ type: "disconnected", error: "daemon connection lost; reconnecting" });
        } catch (err) {
          dispatch({ type: "disconnected", error: (err as Error).message });
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 500));
      }
    };
    void loop();
    return () => {
      stopped = true;
      close?.();
    };
  }, [paths]);
  return { state, dispatch };
}
