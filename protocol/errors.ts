/**
 * The one table of domain error kinds (R-P5). Each kind maps to exactly one JSON-RPC
 * error code and exactly one CLI exit code; docs/protocol.md is generated from it.
 */
export const ERROR_KINDS = {
  INVALID_ARGUMENT: { rpcCode: -32602, exitCode: 2, summary: "A parameter was missing, malformed or out of range." },
  NOT_FOUND: { rpcCode: -32004, exitCode: 3, summary: "The named thing does not exist." },
  CONFLICT: { rpcCode: -32009, exitCode: 4, summary: "The request conflicts with current state (already exists, version mismatch, busy)." },
  INVALID_TRANSITION: { rpcCode: -32010, exitCode: 5, summary: "The state machine does not allow this transition from the current state." },
  PERMISSION_DENIED: { rpcCode: -32003, exitCode: 6, summary: "The caller may not do this." },
  UNAVAILABLE: { rpcCode: -32011, exitCode: 7, summary: "The daemon, a provider or a tool needed is not available right now." },
  RESOURCE_EXHAUSTED: { rpcCode: -32029, exitCode: 8, summary: "A limit was reached (frame size, host CPU/RAM, rate limit)." },
  TIMEOUT: { rpcCode: -32008, exitCode: 9, summary: "The operation did not finish within its deadline." },
  INTERNAL: { rpcCode: -32603, exitCode: 10, summary: "A bug in swarm. Please report it with the daemon log." },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;
export const ERROR_KIND_NAMES = Object.keys(ERROR_KINDS) as ErrorKind[];

/** Exit code for a command-line usage error (unknown command or flag). */
export const USAGE_EXIT_CODE = 64;

/** Standard JSON-RPC 2.0 codes produced by the transport, not by domain code. */
export const JSONRPC_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

export interface ErrorData {
  kind: ErrorKind;
  /** Optional structured details (e.g. the allowed transitions, the offending key). */
  details?: Record<string, unknown>;
  /** What the user can do next, when there is something. */
  hint?: string;
}

/** A domain error. Thrown anywhere in the daemon, it crosses the wire as it is. */
export class SwarmError extends Error {
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;
  readonly hint: string | undefined;
  constructor(kind: ErrorKind, message: string, opts: { details?: Record<string, unknown>; hint?: string } = {}) {
    super(message);
    this.name = "SwarmError";
    this.kind = kind;
    this.details = opts.details;
    this.hint = opts.hint;
  }
  toData(): ErrorData {
    const data: ErrorData = { kind: this.kind };
    if (this.details) data.details = this.details;
    if (this.hint) data.hint = this.hint;
    return data;
  }
}

export function isErrorKind(x: unknown): x is ErrorKind {
  return typeof x === "string" && x in ERROR_KINDS;
}

/** Maps a JSON-RPC error code without data.kind (transport-level errors) to a kind. */
export function kindForRpcCode(code: number): ErrorKind {
  for (const name of ERROR_KIND_NAMES) if (ERROR_KINDS[name].rpcCode === code) return name;
  if (code === JSONRPC_CODES.PARSE_ERROR || code === JSONRPC_CODES.INVALID_REQUEST) return "INVALID_ARGUMENT";
  if (code === JSONRPC_CODES.METHOD_NOT_FOUND) return "NOT_FOUND";
  return "INTERNAL";
}
