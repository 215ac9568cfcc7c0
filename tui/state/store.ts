import type { Action } from "./actions.js";
import { initialState, reducer } from "./reducer.js";
import type { TuiState } from "./types.js";

/**
 * The TUI's state outside React: the connection layer and the key router dispatch into it,
 * components read it with useSyncExternalStore. Living outside React lets the app unmount
 * Ink for an attach and come back with everything as it was.
 */
export interface Store {
  getState(): TuiState;
  dispatch(action: Action): void;
  subscribe(fn: () => void): () => void;
}

export function createStore(initial: TuiState = initialState): Store {
  let state = initial;
  const subs = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const fn of subs) fn();
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}
