/** tmux adapter (R-R6): managed agents in named tmux sessions, and read-only observation of existing panes. */
export { execTmux, socketArgs, type TmuxResult, type TmuxRunner, type TmuxSocket } from "./runner.js";
export { TmuxServer, type PaneInfo } from "./server.js";
export { TmuxPaneObserver, type TmuxHealth, type TmuxSnapshot } from "./observer.js";
export {
  ManagedTmuxSession,
  startManagedSession,
  findManagedSession,
  checkSessionName,
  type StartTmuxOptions,
  type SendOptions,
  type SendResult,
} from "./managed.js";
