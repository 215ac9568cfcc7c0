import { useEffect, useReducer } from "react";
import { connectDaemon, followEvents } from "../../client/index.js";
import type { SwarmPaths } from "../../protocol/paths.js";
import { initialState, reducer } from "../state/reducer.js";

/**
 * Keeps a connection to the daemon: subscribes to events from the last id seen, and on a
 * disconnect (daemon restart) reconnects and resumes with no gap and no duplicate.
 */
export function useDaemon(paths: SwarmPaths) {
  const [state, dispatch] = useReducer(reducer, initialState);
  useEffect(() => {
    const stop = new AbortController();
    let connects = 0;
    void followEvents({
      // Only the first connection may start the daemon; later ones wait for it to come back.
      open: () => connectDaemon(paths, { autostart: connects++ === 0, clientName: "swarm-tui" }),
      onEvent: (event) => dispatch({ type: "event", event }),
      onConnect: async (c) => {
        const st = await c.call("daemon.status");
        dispatch({ type: "connected", daemon: st });
        // A screen of recent history on the first connection; after that, resume where we were.
        return Math.max(0, st.last_event_id - 50);
      },
      onDisconnect: (err) => dispatch({ type: "disconnected", error: err ? err.message : "daemon connection lost; reconnecting" }),
      signal: stop.signal,
    });
    return () => stop.abort();
  }, [paths]);
  return { state, dispatch };
}
