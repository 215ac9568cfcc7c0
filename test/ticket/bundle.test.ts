import { execFileSync } from "node:child_process";
import { sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, signedPayload } from "../../protocol/bundle/format.js";
import { extractBundle } from "../../protocol/bundle/extract.js";
import { readTar, writeTar } from "../../protocol/bundle/tar.js";
import { verifyBundle } from "../../protocol/bundle/verify.js";
import { loadOrCreateKey, type DaemonKey } from "../../daemon/keys/ed25519.js";
import { buildBundle, collectResultFiles, type BundleInput } from "../../daemon/ticket/bundle/build.js";
import { swarmctl, tempHome } from "../helpers/daemon.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bundle-"));

function input(
  files = [
    { path: "out/report.md", data: Buffer.from("# done\n") },
    { path: "result.json", data: Buffer.from('{"ok":true}\n') },
    { path: "bin/run.sh", data: Buffer.from("#!/bin/sh\necho hi\n"), executable: true },
  ],
): BundleInput {
  return {
    ticketId: "T-42",
    inputs: { title: "fix it", body: "please", deps: [] },
    files,
    agent: "claude",
    environment: "env-42",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:05:00.000Z",
    checksPassed: ["tests", "lint"],
  };
}

/** Replaces one entry's bytes in an archive and rebuilds it without any re-signing. */
function rewrite(bundle: Buffer, p: string, fn: (data: Buffer) => Buffer): Buffer {
  const entries = readTar(bundle).map((e) => (e.path === p ? { ...e, data: fn(e.data) } : e));
  return writeTar(entries);
}

/** Patches a header's name/type in place and fixes its checksum (crafting hostile archives). */
function patchFirstHeader(tar: Buffer, name: string, type = "0"): Buffer {
  const b = Buffer.from(tar);
  b.fill(0, 0, 100);
  b.write(name, 0, "utf8");
  b[156] = type.charCodeAt(0);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return b;
}

let key: DaemonKey;
let home: string;
beforeAll(() => {
  home = tmp();
  key = loadOrCreateKey(home);
});

describe("result bundles", () => {
  it("are byte-identical when built twice from the same inputs, in any file order", () => {
    const a = buildBundle(input(), key);
    const reordered = input();
    reordered.files.reverse();
    reordered.checksPassed.reverse();
    const b = buildBundle(reordered, loadOrCreateKey(home));
    expect(Buffer.compare(a, b)).toBe(0);
    const other = buildBundle({ ...input(), finishedAt: "2026-01-01T00:06:00.000Z" }, key);
    expect(Buffer.compare(a, other)).not.toBe(0);
  });

  it("are plain ustar archives with normalised metadata that GNU tar lists", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "b.tar"), buildBundle(input(), key));
    const listing = execFileSync("tar", ["--numeric-owner", "--full-time", "-tvf", path.join(dir, "b.tar")], { encoding: "utf8" });
    expect(listing).toContain("files/out/report.md");
    expect(listing).toContain("-rwxr-xr-x 0/0");
    expect(listing).toContain("1970-01-01");
    const names = listing
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/).pop());
    expect(names).toEqual(["certificate.json", "files/bin/run.sh", "files/out/report.md", "files/result.json", "manifest.json"]);
  });

  it("verify accepts an intact bundle and reports its certificate", () => {
    const r = verifyBundle(buildBundle(input(), key), key.publicKey);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.ticket_id).toBe("T-42");
    expect(r.files).toBe(3);
    expect(r.certificate?.checks_passed).toEqual(["lint", "tests"]);
    expect(r.certificate?.critical).toContain("bundle_hash");
  });

  it("rejects a tampered result file", () => {
    const bad = rewrite(buildBundle(input(), key), "files/result.json", () => Buffer.from('{"ok":false}\n'));
    const r = verifyBundle(bad, key.publicKey);
    expect(r.ok).toBe(false);
    expect(r.problems.join("\n")).toMatch(/result\.json does not match its manifest hash/);
  });

  it("rejects an added or removed file", () => {
    const good = buildBundle(input(), key);
    const added = writeTar([...readTar(good), { path: "files/extra.txt", data: Buffer.from("x") }]);
    expect(verifyBundle(added, key.publicKey).problems.join()).toMatch(/extra\.txt is in the bundle but not in the manifest/);
    const removed = writeTar(readTar(good).filter((e) => e.path !== "files/result.json"));
    expect(verifyBundle(removed, key.publicKey).problems.join()).toMatch(/manifest lists result\.json but the bundle has no such file/);
  });

  it("rejects a manifest rewritten to match tampered files", () => {
    const good = buildBundle(input(), key);
    const forged = input();
    forged.files[1] = { path: "result.json", data: Buffer.from('{"ok":false}\n') };
    const forgedManifest = readTar(buildBundle(forged, key)).find((e) => e.path === "manifest.json")!.data;
    const entries = readTar(good).map((e) =>
      e.path === "manifest.json" ? { ...e, data: forgedManifest } : e.path === "files/result.json" ? { ...e, data: forged.files[1]!.data } : e,
    );
    const r = verifyBundle(writeTar(entries), key.publicKey);
    expect(r.ok).toBe(false);
    expect(r.problems.join()).toMatch(/bundle_hash does not match manifest\.json/);
  });

  it("rejects a tampered certificate and a wrong key", () => {
    const bad = rewrite(buildBundle(input(), key), "certificate.json", (d) => Buffer.from(d.toString().replace('"claude"', '"codex"')));
    const r = verifyBundle(bad, key.publicKey);
    expect(r.ok).toBe(false);
    expect(r.problems.join()).toMatch(/signature does not verify/);
    const stranger = loadOrCreateKey(tmp());
    const r2 = verifyBundle(buildBundle(input(), key), stranger.publicKey);
    expect(r2.ok).toBe(false);
    expect(r2.problems.join()).toMatch(/signed by key ed25519:[0-9a-f]+, but the key given is/);
  });

  it("rejects a validly signed certificate with an unknown critical field, accepts an unknown non-critical one", () => {
    const resign = (mut: (c: Record<string, unknown>) => void) =>
      rewrite(buildBundle(input(), key), "certificate.json", (d) => {
        const c = JSON.parse(d.toString()) as Record<string, unknown>;
        mut(c);
        c.signature = sign(null, signedPayload(c), key.privateKey).toString("base64");
        return Buffer.from(canonicalJson(c) + "\n");
      });
    const crit = verifyBundle(
      resign((c) => {
        c.sandbox_policy = "strict";
        c.critical = [...(c.critical as string[]), "sandbox_policy"];
      }),
      key.publicKey,
    );
    expect(crit.ok).toBe(false);
    expect(crit.problems.join()).toMatch(/unknown field "sandbox_policy" as critical/);
    const soft = verifyBundle(
      resign((c) => (c.note = "hello")),
      key.publicKey,
    );
    expect(soft.ok).toBe(true);
    expect(soft.warnings.join()).toMatch(/unknown non-critical field "note"/);
  });

  it("refuses traversal when building", () => {
    for (const p of ["../evil", "/etc/passwd", "a/../../b", "a//b", "./x"]) {
      expect(() => buildBundle(input([{ path: p, data: Buffer.from("x") }]), key), p).toThrow(/refused/);
    }
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "ok.txt"), "ok");
    fs.mkdirSync(path.join(dir, "sub"));
    fs.symlinkSync(path.join(dir, "ok.txt"), path.join(dir, "sub", "inside-link"));
    expect(
      collectResultFiles(dir)
        .map((f) => f.path)
        .sort(),
    ).toEqual(["ok.txt", "sub/inside-link"]);
    fs.symlinkSync("/etc/passwd", path.join(dir, "sub", "outside-link"));
    expect(() => collectResultFiles(dir)).toThrow(/sub\/outside-link is a symlink pointing outside/);
  });

  it("refuses traversal, symlink and hard-link entries when verifying", () => {
    const base = writeTar([{ path: "aaaaaaaa", data: Buffer.from("x") }]);
    const cases: [string, string, RegExp][] = [
      ["../../etc/cron.d/x", "0", /climbs out/],
      ["/etc/passwd", "0", /absolute path/],
      ["files/link", "2", /is a symlink/],
      ["files/hard", "1", /is a hard link/],
    ];
    for (const [name, type, re] of cases) {
      const r = verifyBundle(patchFirstHeader(base, name, type), key.publicKey);
      expect(r.ok, name).toBe(false);
      expect(r.problems.join(), name).toMatch(re);
    }
    const corrupt = Buffer.from(buildBundle(input(), key));
    corrupt[10] = corrupt[10]! ^ 0xff; // header byte: checksum must catch it
    expect(verifyBundle(corrupt, key.publicKey).problems.join()).toMatch(/checksum mismatch/);
    expect(verifyBundle(Buffer.from("not a tar"), key.publicKey).problems.join()).toMatch(/not a valid bundle archive/);
  });

  it("extracts only inside the target, even when it holds a symlink pointing out", () => {
    const dest = tmp();
    const written = extractBundle(buildBundle(input(), key), dest);
    expect(written.sort()).toEqual(["bin/run.sh", "out/report.md", "result.json"]);
    expect(fs.readFileSync(path.join(dest, "out/report.md"), "utf8")).toBe("# done\n");
    expect(fs.statSync(path.join(dest, "bin/run.sh")).mode & 0o111).not.toBe(0);
    const dest2 = tmp();
    const outside = tmp();
    fs.symlinkSync(outside, path.join(dest2, "out"));
    expect(() => extractBundle(buildBundle(input(), key), dest2)).toThrow(/resolves outside/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it("keeps the private key 0600 in a 0700 directory and reuses it", () => {
    const h = tmp();
    const k1 = loadOrCreateKey(h);
    expect(fs.statSync(path.join(h, "keys", "ed25519.key")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(h, "keys")).mode & 0o777).toBe(0o700);
    expect(loadOrCreateKey(h).keyId).toBe(k1.keyId);
  });
});

describe("swarmctl verify", () => {
  it("exits 0 on a good bundle (default key from SWARM_HOME), 2 with the reasons on a bad one", async () => {
    const h = tempHome();
    const k = loadOrCreateKey(h.home);
    const dir = tmp();
    const good = path.join(dir, "good.tar");
    const bad = path.join(dir, "bad.tar");
    fs.writeFileSync(good, buildBundle(input(), k));
    fs.writeFileSync(
      bad,
      rewrite(buildBundle(input(), k), "files/result.json", () => Buffer.from("evil")),
    );
    const ok = await swarmctl(h.env, ["verify", good, "--no-autostart"]);
    expect(ok.stdout + ok.stderr).toMatch(/verified.*T-42, 3 file/);
    expect(ok.code).toBe(0);
    const rej = await swarmctl(h.env, ["--json", "verify", bad]);
    expect(rej.code).toBe(2);
    const j = JSON.parse(rej.stdout) as { ok: boolean; problems: string[] };
    expect(j.ok).toBe(false);
    expect(j.problems.join()).toMatch(/result\.json does not match/);
    const pem = path.join(dir, "other.pub");
    fs.writeFileSync(pem, loadOrCreateKey(tmp()).publicPem);
    const wrong = await swarmctl(h.env, ["verify", good, "--key", pem]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toMatch(/REJECTED[\s\S]*signed by key/);
    const missing = await swarmctl(h.env, ["verify", path.join(dir, "nope.tar")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no bundle at/);
  });
});
