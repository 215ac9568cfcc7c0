import type { Action } from "./actions.js";
import { VIEWS, type ConnState, type Data, type TuiState, type Ui, type ViewId } from "./types.js";

export const MAX_EVENTS = 500;

const perView = <T>(v: T): Record<ViewId, T> => Object.fromEntries(VIEWS.map((k) => [k, v])) as Record<ViewId, T>;

export const initialState: TuiState = {
  conn: { status: "connecting", daemon: null, error: null, connects: 0, missing: [] },
  data: {
    runtimes: [],
    screens: {},
    tickets: [],
    approvals: [],
    approval: null,
    threads: [],
    messages: null,
    envs: [],
    checkpoints: null,
    disk: null,
    resources: null,
    coordinator: null,
    bundle: null,
    waiting: null,
    events: [],
    lastEventId: 0,
  },
  ui: {
    view: "agents",
    cursor: perView(0),
    column: 0,
    zoomed: null,
    layout: "grid",
    help: false,
    helpScroll: 0,
    modal: null,
    filter: perView(""),
    scroll: 0,
    detail: false,
    follow: true,
    flash: null,
  },
};

export function connReducer(s: ConnState, a: Action): ConnState {
  switch (a.type) {
    case "conn/connecting":
      return { ...s, status: "connecting" };
    case "conn/connected":
      return { status: "connected", daemon: a.daemon, error: null, connects: s.connects + 1, missing: a.missing };
    case "conn/disconnected":
      return { ...s, status: "disconnected", error: a.error };
    default:
      return s;
  }
}

export function dataReducer(s: Data, a: Action): Data {
  switch (a.type) {
    case "data/loaded": {
      const next = { ...s, ...a.patch };
      // A runtime that is gone takes its screen with it.
      if (a.patch.runtimes) {
        const live = new Set(a.patch.runtimes.map((r) => r.name));
        next.screens = Object.fromEntries(Object.entries(s.screens).filter(([k]) => live.has(k)));
      }
      return next;
    }
    case "data/screen":
      return { ...s, screens: { ...s.screens, [a.name]: a.screen } };
    case "data/screens":
      return { ...s, screens: { ...s.screens, ...a.screens } };
    case "data/event":
      // A resumed stream never repeats an id; drop any that would.
      if (a.event.id <= s.lastEventId) return s;
      return { ...s, lastEventId: a.event.id, events: [...s.events, a.event].slice(-MAX_EVENTS) };
    default:
      return s;
  }
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

export function uiReducer(s: Ui, a: Action): Ui {
  switch (a.type) {
    case "ui/view":
      return { ...s, view: a.view, zoomed: a.view === "agents" ? s.zoomed : null, help: false, detail: false, scroll: 0 };
    case "ui/move":
      return { ...s, cursor: { ...s.cursor, [s.view]: clamp(s.cursor[s.view] + a.delta, 0, Math.max(0, a.count - 1)) }, scroll: 0 };
    case "ui/column":
      return { ...s, column: clamp(s.column + a.delta, 0, Math.max(0, a.count - 1)), cursor: { ...s.cursor, tickets: 0 } };
    case "ui/select":
      return { ...s, view: a.view, cursor: { ...s.cursor, [a.view]: Math.max(0, a.index) }, scroll: 0 };
    case "ui/zoom":
      return { ...s, zoomed: a.name };
    case "ui/layout":
      return { ...s, layout: s.layout === "grid" ? "list" : "grid" };
    case "ui/help":
      return { ...s, help: a.open ?? !s.help, helpScroll: 0 };
    case "ui/help-scroll":
      return { ...s, helpScroll: clamp(s.helpScroll + a.delta, 0, Math.max(0, a.max)) };
    case "ui/modal":
      return { ...s, modal: a.modal };
    case "ui/modal-input":
      return s.modal?.kind === "prompt" ? { ...s, modal: { ...s.modal, value: a.value } } : s;
    case "ui/filter":
      return { ...s, filter: { ...s.filter, [a.view]: a.text }, cursor: { ...s.cursor, [a.view]: 0 } };
    case "ui/scroll":
      return { ...s, scroll: clamp(s.scroll + a.delta, 0, Math.max(0, a.max)) };
    case "ui/detail":
      return { ...s, detail: a.open, scroll: 0 };
    case "ui/follow":
      return { ...s, follow: !s.follow };
    case "ui/flash":
      return { ...s, flash: a.flash ? { ...a.flash, at: a.at } : null };
    default:
      return s;
  }
}

/** The root reducer: each slice sees every action and keeps its identity when untouched. */
export function reducer(state: TuiState, action: Action): TuiState {
  const conn = connReducer(state.conn, action);
  const data = dataReducer(state.data, action);
  const ui = uiReducer(state.ui, action);
  return conn === state.conn && data === state.data && ui === state.ui ? state : { conn, data, ui };
}
