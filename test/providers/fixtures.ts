import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EnvHandle, EnvSpec, Provider, ProviderContext } from "../../providers/types.js";

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

/**
 * Environments a test file makes through one provider: remembered as they are created, so
 * `cleanup` (in afterAll) force-deletes every one even after a failed assertion.
 * `provider` is a getter because some files construct theirs in beforeAll.
 */
export function envTracker(provider: () => Provider, timeoutMs = 30_000) {
  const made: EnvHandle[] = [];
  return {
    made,
    async create(spec: EnvSpec): Promise<EnvHandle> {
      const h = await provider().create(spec);
      made.push(h);
      return h;
    },
    async sh(h: EnvHandle, script: string): Promise<{ code: number; out: string; err: string }> {
      const r = await provider().exec(h, ["sh", "-c", script], { timeoutMs });
      return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
    },
    async cleanup(): Promise<void> {
      await Promise.all(
        made.map((h) =>
          provider()
            .delete(h, { force: true })
            .catch(() => undefined),
        ),
      );
    },
  };
}
