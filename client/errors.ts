import { isErrorKind, kindForRpcCode, SwarmError, type ErrorKind } from "../protocol/errors.js";

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { kind?: unknown; hint?: string; details?: Record<string, unknown> };
}

/** A JSON-RPC error response from the daemon, before it is mapped to a SwarmError. */
export class RpcResponseError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(error.message);
  }
}

/** Domain errors cross the wire as they are; anything else the client sees is UNAVAILABLE. */
export function toSwarmError(err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  if (err instanceof RpcResponseError) {
    const data = err.error.data ?? {};
    const kind: ErrorKind = isErrorKind(data.kind) ? data.kind : kindForRpcCode(err.error.code);
    return new SwarmError(kind, err.message, {
      ...(data.hint ? { hint: data.hint } : {}),
      ...(data.details ? { details: data.details } : {}),
    });
  }
  return new SwarmError("UNAVAILABLE", (err as Error)?.message ?? String(err));
}
