import type { MethodName, ParamsFor } from "../../client/index.js";
import type { Action } from "../state/actions.js";
import type { TuiState, ViewId } from "../state/types.js";

/** Where a binding applies; the router asks the active contexts in priority order. */
export type Context = "modal" | "help" | "zoom" | ViewId | "global";

/** What a key handler may do besides dispatching: effects, passed in so tests can see them. */
export interface Effects {
  /**
   * Runs an RPC on the daemon; flashes `done` when it answers. A refusal goes to `failed`
   * first: when that returns true it handled it (say, by asking something), else it is flashed.
   */
  rpc<N extends MethodName>(method: N, params: ParamsFor<N>, done?: string, failed?: (err: RpcFailure) => boolean): void;
  /** Hands the terminal to a runtime (raw passthrough) until the detach key. */
  attach(name: string): void;
  quit(): void;
}

/** What a refused RPC carries: the error kind (protocol/errors.ts) and its details, when the daemon gave them. */
export interface RpcFailure {
  message: string;
  kind?: string;
  details?: Record<string, unknown> | undefined;
}

export interface KeyCtx {
  /** Normalised key name (keys/normalize.ts). */
  key: string;
  /** The raw text of the key press (for prompts). */
  text: string;
  isText: boolean;
  state: TuiState;
  dispatch(a: Action): void;
  fx: Effects;
  /** The terminal's size now (grid movement, page sizes). */
  size: { cols: number; rows: number };
}

export interface Binding {
  context: Context;
  /** Key names; `<text>` matches any printable key (prompts). */
  keys: string[];
  description: string;
  /** Returns true when it consumed the key; false lets lower-priority bindings see it. */
  run(ctx: KeyCtx): boolean;
}
