import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const AGENT_PROGRAMS = new Set(["claude", "codex", "gemini", "aider"]);

/**
 * A PATH for tests that holds this host's ordinary programs (git, sh, coreutils…) but no
 * agent CLI: every program of /usr/bin and /bin linked into one folder, the agent CLIs'
 * names left out. Stand-ins can then be added to it by name.
 */
export function pathWithoutAgents(): { dir: string; add(name: string, script: string): void; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-path-"));
  for (const from of ["/usr/local/bin", "/usr/bin", "/bin"]) {
    if (!fs.existsSync(from)) continue;
    for (const name of fs.readdirSync(from)) {
      const link = path.join(dir, name);
      if (AGENT_PROGRAMS.has(name) || fs.existsSync(link)) continue;
      try {
        fs.symlinkSync(path.join(from, name), link);
      } catch {
        // a name seen twice (/bin may be /usr/bin)
      }
    }
  }
  return {
    dir,
    add(name, script) {
      fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A git repository with one commit, in a fresh temp folder. */
export function scratchRepo(prefix = "swarm-proj-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const git = (...a: string[]) => spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", ...a], { encoding: "utf8" });
  git("init", "-q");
  fs.writeFileSync(path.join(dir, "README.md"), "# project\n");
  git("add", "-A");
  git("commit", "-q", "-m", "init");
  return dir;
}
