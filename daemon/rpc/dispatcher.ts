import { JSONRPCServer, JSONRPCErrorException, type JSONRPCErrorResponse, type JSONRPCID, type JSONRPCRequest } from "json-rpc-2.0";
import { checkRequest, invalid } from "./request-shape.js";
import { ERROR_KINDS, JSONRPC_CODES, SwarmError } from "../../protocol/errors.js";
import { invalidParams } from "../../protocol/params.js";
import type { Logger } from "../log/logger.js";
import type { CallContext, Connection, HandlerEntry } from "./handler.js";

interface ServerParams {
  connection: Connection;
  requestId: string;
}

/**
 * JSON-RPC 2.0 dispatch over the method table. Params are validated against the method's
 * schema before the handler runs; a SwarmError crosses the wire with its kind, anything
 * else becomes INTERNAL with the request id and no stack.
 */
export class Dispatcher {
  private readonly server = new JSONRPCServer<ServerParams>();
  private seq = 0;
  private readonly methods = new Set<string>();
  stopping = false;

  constructor(private readonly logger: Logger) {
    this.server.mapErrorToJSONRPCErrorResponse = (id: JSONRPCID, error: unknown): JSONRPCErrorResponse => {
      if (error instanceof SwarmError) {
        return { jsonrpc: "2.0", id, error: { code: ERROR_KINDS[error.kind].rpcCode, message: error.message, data: error.toData() } };
      }
      if (error instanceof JSONRPCErrorException) {
        return { jsonrpc: "2.0", id, error: { code: error.code, message: error.message, data: error.data } };
      }
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: ERROR_KINDS.INTERNAL.rpcCode,
          message: "internal error; the daemon log has the details",
          data: { kind: "INTERNAL" },
        },
      };
    };
    this.server.handleMethodNotFound = async (request) => ({
      jsonrpc: "2.0",
      id: request.id ?? null,
      error: {
        code: JSONRPC_CODES.METHOD_NOT_FOUND,
        message: `Method not found: ${JSON.stringify(request.method)}; docs/protocol.md lists the methods`,
        data: { kind: "NOT_FOUND" },
      },
    });
  }

  register(entries: HandlerEntry[]): void {
    for (const { method, fn } of entries) {
      if (this.methods.has(method.name)) throw new Error(`two handlers for ${method.name}`);
      this.methods.add(method.name);
      this.server.addMethod(method.name, async (rawParams, sp) => {
        if (this.stopping && method.mutating) {
          throw new SwarmError("UNAVAILABLE", "the daemon is shutting down and accepts no new work", {
            hint: "retry once it has restarted",
          });
        }
        const parsed = method.params.safeParse(rawParams === undefined ? undefined : rawParams);
        if (!parsed.success) throw invalidParams(method.name, parsed.error);
        const log = this.logger.child({ rid: sp.requestId, method: method.name });
        const call: CallContext = { connection: sp.connection, requestId: sp.requestId, logger: log };
        const started = performance.now();
        try {
          const result = await fn(parsed.data, call);
          log.debug("request", { ms: +(performance.now() - started).toFixed(2) });
          return result === undefined ? null : result;
        } catch (err) {
          if (err instanceof SwarmError) {
            log.info("request failed", { kind: err.kind, error: err.message });
          } else {
            log.error("request crashed", { error: String(err), stack: (err as Error)?.stack });
          }
          throw err;
        }
      });
    }
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  /** Handles one frame; resolves to the response text, or null when nothing is to be sent. */
  async handleFrame(text: string, connection: Connection): Promise<string | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: { code: JSONRPC_CODES.PARSE_ERROR, message: "Parse error: the frame is not valid JSON", data: { kind: "INVALID_ARGUMENT" } },
      });
    }
    if (!Array.isArray(parsed)) {
      const r = await this.handleOne(parsed, connection);
      return r === null ? null : JSON.stringify(r);
    }
    if (parsed.length === 0) return JSON.stringify(invalid(null, "an empty batch").response);
    const responses = (await Promise.all(parsed.map((item) => this.handleOne(item, connection)))).filter((r) => r !== null);
    return responses.length === 0 ? null : JSON.stringify(responses);
  }

  /**
   * One request of a frame. A well-formed request without an `id` member is a notification:
   * it runs, and nothing is sent back, not even an error (spec section 4.1, batches
   * included). A malformed object is not a notification, so it still gets -32600 (section 7).
   */
  private async handleOne(item: unknown, connection: Connection): Promise<unknown> {
    const checked = checkRequest(item);
    if (!checked.ok) return checked.response;
    const requestId = `c${connection.id}-${++this.seq}`;
    const response = await this.server.receive(checked.request as JSONRPCRequest, { connection, requestId });
    if (!("id" in checked.request)) {
      if (response && "error" in response)
        this.logger.debug("notification failed; notifications get no reply", { method: checked.request.method, error: response.error });
      return null;
    }
    return response;
  }
}
