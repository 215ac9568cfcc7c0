import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../log/logger.js";

export interface MasterKey {
  key: Buffer;
  source: "keyring" | "file";
}

const KEYRING_ATTRS = ["service", "swarm", "purpose", "secrets-master-key"];

/**
 * The OS keyring through libsecret's `secret-tool`, when it answers (needs a session bus
 * and an unlocked collection). A short timeout: a keyring prompt must never hang the daemon.
 */
function fromKeyring(home: string, logger: Logger): Buffer | null {
  const attrs = [...KEYRING_ATTRS, "home", home];
  try {
    const out = execFileSync("secret-tool", ["lookup", ...attrs], { timeout: 3000, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    if (out) {
      const key = Buffer.from(out, "base64");
      if (key.length === 32) return key;
      logger.warn("keyring holds a malformed swarm key; using the key file");
      return null;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null; // no secret-tool on this host
    // exit 1 = not found: try to store a new one below
  }
  try {
    const key = randomBytes(32);
    execFileSync("secret-tool", ["store", "--label=swarm secrets key", ...attrs], {
      input: key.toString("base64"),
      timeout: 3000,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const back = execFileSync("secret-tool", ["lookup", ...attrs], { timeout: 3000, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    return back === key.toString("base64") ? key : null;
  } catch {
    return null;
  }
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
 * Where the key comes from: an existing key file wins (so secrets stay readable when a
 * keyring appears later); else the keyring when reachable; else a new key file.
 */
export function loadMasterKey(home: string, logger: Logger, opts: { useKeyring?: boolean } = {}): MasterKey {
  const file = path.join(home, "secrets.key");
  if (fs.existsSync(file)) return { key: fromFile(file), source: "file" };
  if (opts.useKeyring !== false) {
    const k = fromKeyring(home, logger);
    if (k) return { key: k, source: "keyring" };
  }
  logger.info("OS keyring not reachable; secrets key kept in a 0600 file", { file });
  return { key: fromFile(file), source: "file" };
}
