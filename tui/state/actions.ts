import type { Data, DaemonStatus, EventRecord, Flash, Modal, PaneScreen, ViewId } from "./types.js";

/** Every change to TUI state is one of these; reducers are pure functions over them. */
export type Action =
  | { type: "conn/connecting" }
  | { type: "conn/connected"; daemon: DaemonStatus; missing: string[] }
  | { type: "conn/disconnected"; error: string | null }
  | { type: "data/loaded"; patch: Partial<Omit<Data, "screens" | "events" | "lastEventId">> }
  | { type: "data/screen"; name: string; screen: PaneScreen }
  | { type: "data/screens"; screens: Record<string, PaneScreen> }
  | { type: "data/event"; event: EventRecord }
  | { type: "ui/view"; view: ViewId }
  | { type: "ui/move"; delta: number; count: number }
  | { type: "ui/column"; delta: number; count: number }
  | { type: "ui/select"; view: ViewId; index: number }
  | { type: "ui/zoom"; name: string | null }
  | { type: "ui/layout" }
  | { type: "ui/help"; open?: boolean }
  | { type: "ui/help-scroll"; delta: number; max: number }
  | { type: "ui/modal"; modal: Modal | null }
  | { type: "ui/modal-input"; value: string }
  | { type: "ui/filter"; view: ViewId; text: string }
  | { type: "ui/scroll"; delta: number; max: number }
  | { type: "ui/detail"; open: boolean }
  | { type: "ui/follow" }
  | { type: "ui/flash"; flash: Omit<Flash, "at"> | null; at: number };
