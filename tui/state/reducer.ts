import type { EventRecord } from "../../protocol/events.js";

/** TUI state: pure reducer over a discriminated union of actions, testable without rendering. */
export interface DaemonInfo {
  pid: number;
  version: string;
  socket: string;
  uptime_s: number;
}

export interface TuiState {
  connection: "connecting" | "connected" | "disconnected";
  daemon: DaemonInfo | null;
  events: EventRecord[];
  lastEventId: number;
  showHelp: boolean;
  error: string | null;
}

export type Action =
  { type: "connected"; daemon: DaemonInfo } | { type: "disconnected"; error?: string } | { type: "event"; event: EventRecord } | { type: "toggleHelp" };

export const MAX_EVENTS = 200;

export const initialState: TuiState = {
  connection: "connecting",
  daemon: null,
  events: [],
  lastEventId: 0,
  showHelp: false,
  error: null,
};

export function reducer(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case "connected":
      return { ...state, connection: "connected", daemon: action.daemon, error: null };
    case "disconnected":
      return { ...state, connection: "disconnected", error: action.error ?? null };
    case "event":
      // Resumed streams never repeat an id; drop any that would.
      if (action.event.id <= state.lastEventId) return state;
      return { ...state, lastEventId: action.event.id, events: [...state.events, action.event].slice(-MAX_EVENTS) };
    case "toggleHelp":
      return { ...state, showHelp: !state.showHelp };
  }
}
