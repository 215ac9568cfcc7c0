import { verify as edVerify, type KeyObject } from "node:crypto";
import {
  CERTIFICATE_PATH,
  FILES_PREFIX,
  KNOWN_CERTIFICATE_FIELDS,
  MANIFEST_PATH,
  keyIdOf,
  sha256,
  signedPayload,
  type Certificate,
  type Manifest,
} from "./format.js";
import { readTar, TarFormatError, type TarEntry } from "./tar.js";

export interface VerifyReport {
  ok: boolean;
  /** Why the bundle is not trustworthy; empty when ok. */
  problems: string[];
  /** Things that do not fail verification but deserve a look (unknown non-critical fields). */
  warnings: string[];
  ticket_id: string | null;
  key_id: string | null;
  files: number;
  certificate: Certificate | null;
}

function parseJson(entry: TarEntry | undefined, what: string, problems: string[]): Record<string, unknown> | null {
  if (!entry) {
    problems.push(`${what} is missing from the bundle`);
    return null;
  }
  try {
    const v: unknown = JSON.parse(entry.data.toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${what} is not a JSON object`);
  } catch (err) {
    problems.push(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  return null;
}

function checkManifest(manifest: Record<string, unknown>, entries: TarEntry[], problems: string[]): number {
  const files = (manifest as unknown as Manifest).files;
  if (!Array.isArray(files)) {
    problems.push("manifest.json has no `files` list");
    return 0;
  }
  const inTar = new Map(entries.filter((e) => e.path.startsWith(FILES_PREFIX)).map((e) => [e.path.slice(FILES_PREFIX.length), e]));
  const listed = new Set<string>();
  for (const f of files) {
    if (!f || typeof f.path !== "string" || typeof f.sha256 !== "string") {
      problems.push("manifest.json has a malformed entry (needs path and sha256)");
      continue;
    }
    listed.add(f.path);
    const e = inTar.get(f.path);
    if (!e) problems.push(`manifest lists ${f.path} but the bundle has no such file`);
    else if (sha256(e.data) !== f.sha256) problems.push(`file ${f.path} does not match its manifest hash (tampered?)`);
    else if (f.size !== e.data.length) problems.push(`file ${f.path} has size ${e.data.length}, manifest says ${f.size}`);
  }
  for (const p of inTar.keys()) if (!listed.has(p)) problems.push(`file ${p} is in the bundle but not in the manifest`);
  for (const e of entries) {
    if (e.path !== MANIFEST_PATH && e.path !== CERTIFICATE_PATH && !e.path.startsWith(FILES_PREFIX)) {
      problems.push(`unexpected entry ${e.path} (bundles hold manifest.json, certificate.json and files/…)`);
    }
  }
  return inTar.size;
}

function checkCertificate(cert: Record<string, unknown>, manifestEntry: TarEntry | undefined, key: KeyObject, problems: string[], warnings: string[]): void {
  const known = new Set<string>(KNOWN_CERTIFICATE_FIELDS);
  const critical = cert.critical;
  if (!Array.isArray(critical) || !critical.every((c) => typeof c === "string")) {
    problems.push("certificate.json has no `critical` list of field names");
  } else {
    for (const name of critical) {
      if (!known.has(name)) problems.push(`certificate marks unknown field "${name}" as critical; this verifier does not understand it — upgrade swarmctl`);
    }
  }
  for (const k of Object.keys(cert))
    if (!known.has(k) && !(Array.isArray(critical) && critical.includes(k))) warnings.push(`certificate has unknown non-critical field "${k}" (ignored)`);
  if (manifestEntry && cert.bundle_hash !== sha256(manifestEntry.data)) {
    problems.push("certificate's bundle_hash does not match manifest.json (manifest or certificate tampered)");
  }
  const kid = keyIdOf(key);
  if (cert.key_id !== kid) problems.push(`certificate was signed by key ${String(cert.key_id)}, but the key given is ${kid}`);
  if (typeof cert.signature !== "string") {
    problems.push("certificate has no signature");
    return;
  }
  let good = false;
  try {
    good = edVerify(null, signedPayload(cert), key, Buffer.from(cert.signature, "base64"));
  } catch {
    good = false;
  }
  if (!good) problems.push("certificate signature does not verify with the given key (certificate tampered or wrong key)");
}

/** Checks a bundle's structure, manifest hashes and certificate signature against `key`. */
export function verifyBundle(bytes: Buffer, key: KeyObject): VerifyReport {
  const report: VerifyReport = { ok: false, problems: [], warnings: [], ticket_id: null, key_id: null, files: 0, certificate: null };
  let entries: TarEntry[];
  try {
    entries = readTar(bytes);
  } catch (err) {
    const msg = err instanceof TarFormatError ? err.message : String(err);
    report.problems.push(`not a valid bundle archive: ${msg}`);
    return report;
  }
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const manifest = parseJson(byPath.get(MANIFEST_PATH), MANIFEST_PATH, report.problems);
  const cert = parseJson(byPath.get(CERTIFICATE_PATH), CERTIFICATE_PATH, report.problems);
  if (manifest) report.files = checkManifest(manifest, entries, report.problems);
  if (cert) {
    report.certificate = cert as Certificate;
    report.ticket_id = typeof cert.ticket_id === "string" ? cert.ticket_id : null;
    report.key_id = typeof cert.key_id === "string" ? cert.key_id : null;
    checkCertificate(cert, byPath.get(MANIFEST_PATH), key, report.problems, report.warnings);
  }
  report.ok = report.problems.length === 0;
  return report;
}
