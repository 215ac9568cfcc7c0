import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { Logger } from "../log/logger.js";

export interface MasterKey {
  /** The key; throws UNAVAILABLE while it is in a keyring that does not answer (retried on use). */
  key(): Buffer;
  source: "keyring" | "file";
}

/** Written once the keyring holds the key: from then on a key file must not quietly replace it. */
const KEYRING_MARKER = "secrets.keyring";
const RETRY_MS = 10_000;

const KEYRING_ATTRS = ["service", "swarm", "purpose", "secrets-master-key"];
/** All keyring calls together; a locked keyring may wait on a prompt nobody will answer. */
export const KEYRING_TIMEOUT_MS = 3000;

type ToolResult = { ok: true; out: string } | { ok: false; notFound: boolean; why: string };

const SLOW = `no answer within ${KEYRING_TIMEOUT_MS / 1000} s (a locked keyring waiting on a prompt, or a session bus that does not answer)`;

interface ToolRun {
  error?: Error | undefined;
  signal?: string | null | undefined;
  status: number | null;
  stdout: string;
  stderr: string;
}

function interpret(r: ToolRun): ToolResult {
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return { ok: false, notFound: false, why: "secret-tool is not installed (apt-get install -y libsecret-tools)" };
  if (code === "ETIMEDOUT" || r.signal) return { ok: false, notFound: false, why: SLOW };
  if (r.error && typeof code === "string") return { ok: false, notFound: false, why: r.error.message };
  const stderr = r.stderr.trim();
  // `lookup` exits 1 with nothing on stderr when there is no such item
  if (r.status !== 0) return { ok: false, notFound: stderr === "", why: stderr || `secret-tool exited ${r.status}` };
  return { ok: true, out: r.stdout.trim() };
}

/** One `secret-tool` call within what is left of the budget. */
function secretTool(args: string[], deadline: number, input?: string): ToolResult {
  const left = deadline - Date.now();
  if (left <= 0) return { ok: false, notFound: false, why: SLOW };
  const r = spawnSync("secret-tool", args, { input: input ?? "", timeout: left, encoding: "utf8", killSignal: "SIGKILL" });
  return interpret({ error: r.error, signal: r.signal, status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" });
}

/** The same lookup without blocking the event loop: the retries while the daemon serves requests. */
function lookupAsync(home: string): Promise<{ key: Buffer } | { why: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "secret-tool",
      ["lookup", ...KEYRING_ATTRS, "home", home],
      { timeout: KEYRING_TIMEOUT_MS, killSignal: "SIGKILL", encoding: "utf8" },
      (error, stdout, stderr) => {
        const r = interpret({ error: error ?? undefined, signal: child.signalCode, status: child.exitCode, stdout, stderr });
        if (!r.ok) return resolve({ why: r.notFound ? "the keyring answers but holds no swarm key for this SWARM_HOME (it did before)" : r.why });
        const key = Buffer.from(r.out, "base64");
        resolve(key.length === 32 ? { key } : { why: "the keyring holds a malformed swarm key (expected 32 bytes, base64)" });
      },
    );
    child.stdin?.end();
  });
}

/**
 * The OS keyring through libsecret's `secret-tool`, when it answers (needs a session bus
 * and an unlocked collection): the key stored there, or a new one stored and read back.
 * Synchronous on purpose: it runs once at daemon start, before anything uses secrets.
 */
function fromKeyring(home: string, opts: { create: boolean }): { key: Buffer } | { why: string } {
  const attrs = [...KEYRING_ATTRS, "home", home];
  const deadline = Date.now() + KEYRING_TIMEOUT_MS;
  const found = secretTool(["lookup", ...attrs], deadline);
  if (found.ok && found.out) {
    const key = Buffer.from(found.out, "base64");
    // never overwrite it: secrets encrypted with it would be lost
    return key.length === 32 ? { key } : { why: "the keyring holds a malformed swarm key (expected 32 bytes, base64)" };
  }
  if (!found.ok && !found.notFound) return { why: found.why };
  if (!opts.create) return { why: "the keyring answers but holds no swarm key for this SWARM_HOME (it did before)" };
  const key = randomBytes(32);
  const stored = secretTool(["store", "--label=swarm secrets key", ...attrs], deadline, key.toString("base64"));
  if (!stored.ok) return { why: `storing a new key failed: ${stored.why}` };
  const back = secretTool(["lookup", ...attrs], deadline);
  if (!back.ok) return { why: `reading the new key back failed: ${back.why}` };
  return back.out === key.toString("base64") ? { key } : { why: "the keyring returned another value than the key just stored" };
}

/** A 0600 file under SWARM_HOME; created once, refused if anyone else can read it. */
function fromFile(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`secrets key file ${file} is malformed (expected 32 bytes, base64)`);
  return key;
}

/**
 * Where the key comes from: an existing key file (so secrets stay readable when a keyring
 * appears later); else the keyring when reachable; else a new key file, unless the keyring
 * held the key before (then secrets wait for the keyring instead of being orphaned). Both
 * a key file and the keyring marker: refused, since either choice could orphan every secret.
 */
export function loadMasterKey(home: string, logger: Logger, opts: { useKeyring?: boolean; retryMs?: number } = {}): MasterKey {
  const file = path.join(home, "secrets.key");
  const marker = path.join(home, KEYRING_MARKER);
  const inKeyring = fs.existsSync(marker);
  if (fs.existsSync(file) && inKeyring) return refuseBoth(file, marker, logger);
  if (fs.existsSync(file)) {
    logger.info("secrets key: 0600 key file", { file });
    const key = fromFile(file);
    return { key: () => key, source: "file" };
  }
  let why = "disabled (secrets.keyring is false)";
  if (opts.useKeyring !== false) {
    const t0 = Date.now();
    const k = fromKeyring(home, { create: !inKeyring });
    if ("key" in k) {
      if (!inKeyring)
        fs.writeFileSync(marker, "the secrets key of this SWARM_HOME is in the OS keyring (service=swarm purpose=secrets-master-key)\n", { mode: 0o600 });
      logger.info("secrets key: OS keyring (libsecret)", { ms: Date.now() - t0 });
      const key = k.key;
      return { key: () => key, source: "keyring" };
    }
    why = k.why;
  }
  if (inKeyring) return waitForKeyring(home, marker, logger, why, opts.retryMs ?? RETRY_MS);
  logger.warn("OS keyring not usable; secrets key kept in a 0600 file", { file, reason: why });
  const key = fromFile(file);
  return { key: () => key, source: "file" };
}

/** Which key sealed the secrets is not knowable here: every use says so until a person picks one. */
function refuseBoth(file: string, marker: string, logger: Logger): MasterKey {
  const msg = `both ${file} (a key file) and ${marker} (the key is in the OS keyring) exist; secrets are refused rather than read with the wrong key`;
  const hint =
    `if the secrets were set while the key was in the keyring, move ${file} out of the way; ` +
    `if they were set with that key file, remove ${marker}; then restart the daemon (nothing was deleted)`;
  logger.error("secrets key: refused", { file, marker, hint });
  return {
    source: "file",
    key() {
      throw new SwarmError("CONFLICT", msg, { hint, details: { file, marker } });
    },
  };
}

/**
 * The key is in a keyring that does not answer now: secrets fail with the reason until it
 * does. The retry runs in the background (at most one at a time, at most every `retryMs`),
 * never on the event loop: a keyring that takes its 3 s to time out must not stall the daemon.
 */
function waitForKeyring(home: string, marker: string, logger: Logger, firstWhy: string, retryMs: number): MasterKey {
  logger.error("the secrets key is in the OS keyring, which is not usable now; secrets cannot be read or set until it is (retried on use)", {
    reason: firstWhy,
  });
  let key: Buffer | null = null;
  let why = firstWhy;
  let triedAt = Date.now();
  let retrying: Promise<void> | null = null;
  const retry = () => {
    triedAt = Date.now();
    retrying = lookupAsync(home).then((k) => {
      retrying = null;
      triedAt = Date.now();
      if ("key" in k) {
        logger.info("secrets key: OS keyring answers again");
        key = k.key;
      } else why = k.why;
    });
  };
  return {
    source: "keyring",
    key() {
      if (key) return key;
      if (!retrying && Date.now() - triedAt >= retryMs) retry();
      throw new SwarmError("UNAVAILABLE", `the secrets key is in the OS keyring, which is not usable now: ${why}`, {
        hint: `give the daemon a session bus with the unlocked keyring (DBUS_SESSION_BUS_ADDRESS) and restart it (or just retry: it is asked again every ${Math.round(retryMs / 1000)} s); or remove ${marker} to start over with a key file (secrets set before are then lost)`,
      });
    },
  };
}
