import type { EventRecord } from "../../protocol/events.js";
import type { ResultFor } from "../../client/index.js";

/** What the TUI holds of the daemon's data: the shapes its RPCs return (types only, no zod at run time). */
export type Runtime = ResultFor<"runtime.list">["runtimes"][number];
export type Ticket = ResultFor<"ticket.list">["tickets"][number];
export type ApprovalSummary = ResultFor<"approval.list">["approvals"][number];
export type ApprovalDetail = ResultFor<"approval.get">;
export type Thread = ResultFor<"thread.list">["threads"][number];
export type Message = ResultFor<"thread.read">["messages"][number];
export type EnvRecord = ResultFor<"env.list">["envs"][number];
export type Checkpoint = ResultFor<"env.checkpoints">["checkpoints"][number];
export type Resources = ResultFor<"env.resources">;
export type CoordinatorStatus = ResultFor<"coordinator.status">;
export type DaemonStatus = ResultFor<"daemon.status">;
export type { EventRecord };

export const VIEWS = ["agents", "tickets", "approvals", "threads", "events", "envs", "coordinator"] as const;
export type ViewId = (typeof VIEWS)[number];
export const VIEW_TITLES: Record<ViewId, string> = {
  agents: "Agents",
  tickets: "Tickets",
  approvals: "Approvals",
  threads: "Threads",
  events: "Events",
  envs: "Environments",
  coordinator: "Coordinator",
};

/** One pane's latest screen: styled rows as the daemon serialized them. */
export interface PaneScreen {
  ansi: string;
  cols: number;
  rows: number;
  at: number;
}

/** What a text prompt is for; the key handler that opened it decides what Enter does. */
export type PromptPurpose =
  | { kind: "send"; runtime: string }
  | { kind: "start" }
  | { kind: "submit-ticket" }
  | { kind: "cancel-ticket"; id: string }
  | { kind: "decide"; decision: "approve" | "reject" | "clarify"; id: string }
  | { kind: "post"; thread: string }
  | { kind: "unblock"; thread: string }
  | { kind: "override"; thread: string }
  | { kind: "filter"; view: ViewId };

/** An action that needs a yes before it runs (stop, kill). */
export type Confirmable =
  | { kind: "stop"; runtime: string }
  | { kind: "kill"; runtime: string }
  | { kind: "retry-ticket"; id: string }
  /** runtime.send was refused over a draft or a person's recent typing: send it over them. */
  | { kind: "send-force"; runtime: string; text: string };

export type Modal = { kind: "prompt"; purpose: PromptPurpose; label: string; value: string } | { kind: "confirm"; text: string; action: Confirmable };

export interface Flash {
  text: string;
  tone: "info" | "error";
  at: number;
}

export interface ConnState {
  status: "connecting" | "connected" | "disconnected";
  daemon: DaemonStatus | null;
  error: string | null;
  /** Connections made so far; >1 means the TUI has reconnected. */
  connects: number;
  /** Methods this daemon serves, when known (a view whose methods are missing says so). */
  missing: string[];
}

export interface Data {
  runtimes: Runtime[];
  screens: Record<string, PaneScreen>;
  tickets: Ticket[];
  approvals: ApprovalSummary[];
  approval: ApprovalDetail | null;
  threads: Thread[];
  messages: { thread: string; list: Message[] } | null;
  envs: EnvRecord[];
  checkpoints: { env: string; list: Checkpoint[] } | null;
  /** the selected environment's disk use (env.disk), loaded with its checkpoints */
  disk: { env: string; bytes: number | null } | null;
  resources: Resources | null;
  coordinator: CoordinatorStatus | null;
  /** The selected ticket's result bundle, checked against the daemon's public key. */
  bundle: { ticket: string; ok: boolean; text: string } | null;
  /** Why the selected ticket is not moving (coordinator.why), null when it is moving or finished. */
  waiting: { ticket: string; text: string | null } | null;
  events: EventRecord[];
  lastEventId: number;
}

export interface Ui {
  view: ViewId;
  /** Selected row (or pane) per view. */
  cursor: Record<ViewId, number>;
  /** Tickets board: the selected column. */
  column: number;
  zoomed: string | null;
  layout: "grid" | "list";
  help: boolean;
  /** The help's first shown key row, when its keys need more than one page (help-layout.ts). */
  helpScroll: number;
  modal: Modal | null;
  filter: Record<ViewId, string>;
  /** Detail panes (diff, messages, ticket details) scroll by this many lines. */
  scroll: number;
  /** The detail pane of the current view is open (diff, thread messages, ticket details). */
  detail: boolean;
  /** Events view: stick to the newest event. */
  follow: boolean;
  flash: Flash | null;
}

export interface TuiState {
  conn: ConnState;
  data: Data;
  ui: Ui;
}
