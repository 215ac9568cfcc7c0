import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { keyIdOf } from "../../protocol/bundle/format.js";

/**
 * The daemon's signing key for result certificates. Generated on first use under
 * SWARM_HOME/keys (directory 0700, private key 0600); the public key sits beside it so
 * `swarmctl verify` can find it without the daemon.
 */
export interface DaemonKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  publicPem: string;
  publicKeyFile: string;
}

export function keyPaths(home: string): { dir: string; privateFile: string; publicFile: string } {
  const dir = path.join(home, "keys");
  return { dir, privateFile: path.join(dir, "ed25519.key"), publicFile: path.join(dir, "ed25519.pub") };
}

export function loadOrCreateKey(home: string): DaemonKey {
  const { dir, privateFile, publicFile } = keyPaths(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let privateKey: KeyObject;
  if (fs.existsSync(privateFile)) {
    const mode = fs.statSync(privateFile).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(privateFile, 0o600); // never leave a signing key readable by others
    privateKey = createPrivateKey(fs.readFileSync(privateFile, "utf8"));
  } else {
    const pair = generateKeyPairSync("ed25519");
    privateKey = pair.privateKey;
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    // Write-then-rename so a crash never leaves a half-written key behind.
    const tmp = `${privateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, pem, { mode: 0o600 });
    fs.renameSync(tmp, privateFile);
  }
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ format: "pem", type: "spki" }) as string;
  if (!fs.existsSync(publicFile) || fs.readFileSync(publicFile, "utf8") !== publicPem) fs.writeFileSync(publicFile, publicPem, { mode: 0o644 });
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicPem, publicKeyFile: publicFile };
}
