import type { z } from "zod";
import type { MethodDef } from "../../protocol/method.js";
import type { Logger } from "../log/logger.js";

/** What a handler knows about the connection a request came on. */
export interface Connection {
  readonly id: number;
  client: string | null;
  protocolVersion: string | null;
  /** Sends a JSON-RPC notification to this client; false when the socket is backed up. */
  notify(method: string, params: unknown): boolean;
  /** True while the socket's write buffer is above its high watermark. */
  isBackedUp(): boolean;
  onDrain(fn: () => void): void;
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

export interface CallContext {
  readonly connection: Connection;
  /** Unique per request, carried in every log line about it. */
  readonly requestId: string;
  readonly logger: Logger;
}

export type HandlerFn<M extends MethodDef> = (params: z.output<M["params"]>, call: CallContext) => z.input<M["result"]> | Promise<z.input<M["result"]>>;

export interface HandlerEntry {
  method: MethodDef;
  fn: (params: unknown, call: CallContext) => unknown;
}

/** Ties a handler to its method definition so params and result are typed from one place. */
export function handle<M extends MethodDef>(method: M, fn: HandlerFn<M>): HandlerEntry {
  return { method, fn: fn as HandlerEntry["fn"] };
}
