import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EnvHandle, ProviderContext } from "../../providers/types.js";

export const GIT_ID = ["-c", "user.name=swarm-test", "-c", "user.email=test@swarm.local"];

/** A real git repo with a README, a subfolder, an ignored folder and `extraFiles` more files. */
export function makeRepo(extraFiles = 0, prefix = "swarm-repo-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  fs.writeFileSync(path.join(dir, "README.md"), "fixture repo\n");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "sub", "a.txt"), "a\n");
  fs.writeFileSync(path.join(dir, ".gitignore"), "ignored/\n");
  for (let i = 0; i < extraFiles; i++) {
    const d = path.join(dir, "src", `d${i % 40}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `f${i}.txt`), `file ${i}\n${"x".repeat(8000 + (i % 4000))}\n`);
  }
  const git = (...args: string[]) => execFileSync("git", [...GIT_ID, "-C", dir, ...args], { stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  return dir;
}

export function tempDir(prefix = "swarm-prov-"): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

const quiet = () => undefined;
export const testLogger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

/** A ProviderContext whose forwarded env carries one marker variable. */
export function providerContext(stateDir: string, forwarded: Record<string, string> = { SWARM_FORWARDED: "fwd-ok" }): ProviderContext {
  return { stateDir, logger: testLogger, forwardedEnv: (_h: EnvHandle) => forwarded };
}
