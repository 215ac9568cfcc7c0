import { sign, verify, type KeyObject } from "node:crypto";

/**
 * Compact JWS with EdDSA (RFC 7515 / RFC 8037): `base64url(header).base64url(payload).base64url(sig)`,
 * signed with the daemon's Ed25519 key through node:crypto, so no JOSE library is needed.
 * The header is fixed ({alg: EdDSA, typ: JWT, kid}); anything else is refused, which closes
 * the `alg: none` and algorithm-confusion holes by construction.
 */
const b64 = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

export function signJws(privateKey: KeyObject, kid: string, payload: Record<string, unknown>): string {
  const head = b64(JSON.stringify({ alg: "EdDSA", typ: "JWT", kid }));
  const body = b64(JSON.stringify(payload));
  const sig = sign(null, Buffer.from(`${head}.${body}`), privateKey);
  return `${head}.${body}.${b64(sig)}`;
}

export type JwsResult = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: "malformed" | "wrong_key" | "bad_signature" };

function parseJson(part: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Checks the shape, the header and the signature; the claims' meaning is the caller's to check. */
export function verifyJws(publicKey: KeyObject, kid: string, token: string): JwsResult {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { ok: false, reason: "malformed" };
  const [head, body, sig] = parts as [string, string, string];
  const header = parseJson(head);
  const payload = parseJson(body);
  if (!header || !payload || header.alg !== "EdDSA" || header.typ !== "JWT") return { ok: false, reason: "malformed" };
  if (header.kid !== kid) return { ok: false, reason: "wrong_key" };
  const good = verify(null, Buffer.from(`${head}.${body}`), publicKey, Buffer.from(sig, "base64url"));
  return good ? { ok: true, payload } : { ok: false, reason: "bad_signature" };
}

/** The payload of a token without checking it, to name who a rejected call claimed to be. */
export function unverifiedPayload(token: string): Record<string, unknown> | null {
  const body = token.split(".")[1];
  return body ? parseJson(body) : null;
}
