import { createHash, createPublicKey, type KeyObject } from "node:crypto";

/**
 * The result bundle's format (R-T7): a ustar archive holding `files/<path>` (the ticket's
 * results), `manifest.json` (sha256 of every file) and `certificate.json` (signed by the
 * daemon's Ed25519 key). Shared by the daemon (writer) and `swarmctl verify` (reader).
 */
export const BUNDLE_SCHEMA_VERSION = 1;
export const MANIFEST_PATH = "manifest.json";
export const CERTIFICATE_PATH = "certificate.json";
export const FILES_PREFIX = "files/";

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  schema_version: number;
  files: ManifestEntry[];
}

/**
 * Every certificate field this version understands. A certificate may carry more (newer
 * writers add fields), but a field named in `critical` that is not in this list must make
 * verification fail: the writer said "do not trust me unless you understand this".
 */
export const KNOWN_CERTIFICATE_FIELDS = [
  "schema_version",
  "ticket_id",
  "inputs_hash",
  "bundle_hash",
  "agent",
  "environment",
  "started_at",
  "finished_at",
  "checks_passed",
  "critical",
  "key_id",
  "signature",
] as const;

export interface Certificate {
  schema_version: number;
  ticket_id: string;
  /** sha256 of the canonical JSON of the ticket's inputs (title, body, deps' results…). */
  inputs_hash: string;
  /** sha256 of manifest.json's bytes; the manifest in turn pins every file. */
  bundle_hash: string;
  agent: string | null;
  environment: string | null;
  started_at: string | null;
  finished_at: string | null;
  checks_passed: string[];
  critical: string[];
  key_id: string;
  /** base64 Ed25519 signature over the canonical JSON of every other field. */
  signature: string;
  [extra: string]: unknown;
}

export function sha256(data: Buffer | string): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

/** JSON with object keys sorted at every level and no whitespace: one value, one string. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** The bytes a certificate's signature covers: everything but the signature itself. */
export function signedPayload(cert: Record<string, unknown>): Buffer {
  const { signature: _omit, ...rest } = cert;
  return Buffer.from(canonicalJson(rest));
}

/** "ed25519:" + sha256 hex of the raw 32-byte public key. */
export function keyIdOf(pub: KeyObject): string {
  const raw = pub.export({ format: "der", type: "spki" }).subarray(-32);
  return "ed25519:" + createHash("sha256").update(raw).digest("hex").slice(0, 32);
}

/** Accepts a PEM (SPKI) public key, or the raw 32-byte key in base64. */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith("-----BEGIN")) return createPublicKey(t);
  const raw = Buffer.from(t, "base64");
  if (raw.length !== 32) throw new Error("not a PEM public key nor a base64 32-byte Ed25519 key");
  const spkiPrefix = Buffer.from("302a300506032b6570032100", "hex");
  return createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: "der", type: "spki" });
}
