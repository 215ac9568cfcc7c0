import { sign } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  BUNDLE_SCHEMA_VERSION,
  CERTIFICATE_PATH,
  FILES_PREFIX,
  KNOWN_CERTIFICATE_FIELDS,
  MANIFEST_PATH,
  canonicalJson,
  sha256,
  signedPayload,
  type Certificate,
  type Manifest,
} from "../../../protocol/bundle/format.js";
import { unsafePathReason } from "../../../protocol/bundle/safe-path.js";
import { writeTar, type TarEntry } from "../../../protocol/bundle/tar.js";
import type { DaemonKey } from "../../keys/ed25519.js";

export interface ResultFile {
  path: string;
  data: Buffer;
  executable?: boolean;
}

export interface BundleInput {
  ticketId: string;
  /** The ticket's inputs (title, body, dependency results…); hashed canonically. */
  inputs: unknown;
  files: ResultFile[];
  agent: string | null;
  environment: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  checksPassed: string[];
}

/**
 * Builds a bundle. Deterministic: no clock, no host metadata, Ed25519 signatures are
 * deterministic, so the same input and key give byte-identical output.
 */
export function buildBundle(input: BundleInput, key: DaemonKey): Buffer {
  const files: TarEntry[] = input.files.map((f) => {
    const why = unsafePathReason(f.path);
    if (why) throw new Error(`result file ${JSON.stringify(f.path)} refused: ${why}`);
    return { path: FILES_PREFIX + f.path, data: f.data, executable: f.executable === true };
  });
  const manifest: Manifest = {
    schema_version: BUNDLE_SCHEMA_VERSION,
    files: files
      .map((f) => ({ path: f.path.slice(FILES_PREFIX.length), size: f.data.length, sha256: sha256(f.data) }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))),
  };
  const manifestBytes = Buffer.from(canonicalJson(manifest) + "\n");
  const unsigned: Omit<Certificate, "signature"> = {
    schema_version: BUNDLE_SCHEMA_VERSION,
    ticket_id: input.ticketId,
    inputs_hash: sha256(canonicalJson(input.inputs ?? null)),
    bundle_hash: sha256(manifestBytes),
    agent: input.agent,
    environment: input.environment,
    started_at: input.startedAt,
    finished_at: input.finishedAt,
    checks_passed: [...input.checksPassed].sort(),
    // Everything that makes the certificate mean what it says; a verifier that cannot
    // interpret one of these must refuse.
    critical: KNOWN_CERTIFICATE_FIELDS.filter((f) => f !== "signature" && f !== "critical"),
    key_id: key.keyId,
  };
  const signature = sign(null, signedPayload(unsigned), key.privateKey).toString("base64");
  const certBytes = Buffer.from(canonicalJson({ ...unsigned, signature }) + "\n");
  return writeTar([...files, { path: MANIFEST_PATH, data: manifestBytes }, { path: CERTIFICATE_PATH, data: certBytes }]);
}

/**
 * Collects the regular files under `dir` as result files. A symlink that resolves inside
 * `dir` contributes its target's content; one that points outside is refused, so a
 * result can never smuggle in host files.
 */
export function collectResultFiles(dir: string): ResultFile[] {
  const root = fs.realpathSync(dir);
  const out: ResultFile[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      const childAbs = path.join(root, childRel);
      let st = fs.lstatSync(childAbs);
      if (st.isSymbolicLink()) {
        const real = fs.realpathSync(childAbs);
        if (real !== root && !real.startsWith(root + path.sep)) {
          throw new Error(`result path ${childRel} is a symlink pointing outside the result directory (${real}); refused`);
        }
        st = fs.statSync(real);
        // A linked directory inside the root is already collected at its real place;
        // following it again would duplicate files or loop.
        if (st.isDirectory()) continue;
      }
      if (st.isDirectory()) walk(childRel);
      else if (st.isFile()) {
        out.push({ path: childRel, data: fs.readFileSync(childAbs), executable: (st.mode & 0o111) !== 0 });
      }
    }
  };
  walk("");
  return out;
}
