import { JSONRPC_CODES } from "../../protocol/errors.js";

/**
 * Strict JSON-RPC 2.0 request validation (section 4 of the spec), done before dispatch so
 * every malformed request gets -32600 with the right id, as the specification's examples
 * demand.
 */
export type Checked =
  | { ok: true; request: { jsonrpc: "2.0"; method: string; params?: unknown; id?: string | number | null } }
  | { ok: false; response: { jsonrpc: "2.0"; id: string | number | null; error: { code: number; message: string; data: { kind: string } } } };

function validId(id: unknown): id is string | number | null {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

export function invalid(id: string | number | null, why: string): Checked & { ok: false } {
  return {
    ok: false,
    response: { jsonrpc: "2.0", id, error: { code: JSONRPC_CODES.INVALID_REQUEST, message: `Invalid Request: ${why}`, data: { kind: "INVALID_ARGUMENT" } } },
  };
}

export function checkRequest(x: unknown): Checked {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return invalid(null, "a request must be a JSON object");
  const r = x as Record<string, unknown>;
  const id = "id" in r && validId(r.id) ? r.id : null;
  if ("id" in r && !validId(r.id)) return invalid(null, "id must be a string, a number or null");
  if (r.jsonrpc !== "2.0") return invalid(id, 'jsonrpc must be exactly "2.0"');
  if (typeof r.method !== "string") return invalid(id, "method must be a string");
  if ("params" in r && (typeof r.params !== "object" || r.params === null)) return invalid(id, "params must be an object or an array");
  return { ok: true, request: r as Checked & { ok: true } extends { request: infer R } ? R : never };
}
