/**
 * Shared by the vm tests: the reason to skip (QEMU missing), the base image built once per
 * machine under $TMPDIR/swarm-vm-base-cache (idempotent: later runs find it up to date),
 * and a provider context in a temp state dir.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidAlive } from "../../protocol/os.js";
import { initBase } from "../../providers/vm/base-image.js";
import type { ProviderContext } from "../../providers/types.js";

export const BASE_CACHE = path.join(os.tmpdir(), "swarm-vm-base-cache");

function missingTool(): string | null {
  for (const t of ["qemu-system-x86_64", "qemu-img", "mkfs.ext4", "gcc", "cpio", "apt-get"]) {
    if (spawnSync(t, ["--version"], { stdio: "ignore" }).error) return t;
  }
  if (!fs.existsSync("/bin/busybox")) return "busybox-static";
  return null;
}

const missing = missingTool();
/** Why the vm tests cannot run here, or null when they can. */
export const VM_SKIP_REASON = missing ? `${missing} is missing: apt-get install -y qemu-system-x86 qemu-utils busybox-static cpio e2fsprogs gcc lz4` : null;

/** Builds the cached base once; concurrent test files wait on a lock directory. */
export async function ensureTestBase(): Promise<string> {
  const lock = BASE_CACHE + ".lock";
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lock, "pid"), "utf8").trim());
      } catch {
        pid = process.pid; // the holder has not written its pid yet: wait for it
      }
      const alive = pid > 0 && pidAlive(pid);
      if (!alive) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error("timed out waiting for another process building the VM base");
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await initBase(BASE_CACHE);
    return BASE_CACHE;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function testContext(): ProviderContext & { cleanup(): void } {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-state-"));
  const noop = () => undefined;
  return {
    stateDir,
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    forwardedEnv: () => ({ SWARM_TEST_VAR: "forwarded-value" }),
    cleanup: () => fs.rmSync(stateDir, { recursive: true, force: true }),
  };
}

/** A small git repository to check out into environments. */
export function makeRepo(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-vm-repo-"));
  const git = (...a: string[]) => spawnSync("git", ["-C", repo, ...a], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(repo, "README.md"), "hello from the repo\n");
  git("add", ".");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "init");
  return repo;
}
