import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDaemon, swarmctl, tempHome, type TestDaemon } from "../helpers/daemon.js";

/** A small real git repository with one commit. */
export function makeRepo(prefix = "swarm-env-repo-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(dir, "README.md"), "hello\n");
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "src", "a.txt"), "a\n");
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "init");
  return dir;
}

export interface EnvWorld {
  d: TestDaemon;
  repo: string;
  /** swarmctl against this daemon; never autostarts another one */
  ctl(args: string[], opts?: { input?: string; timeoutMs?: number }): ReturnType<typeof swarmctl>;
  /** stops the daemon and removes its home and the repo */
  dispose(): Promise<void>;
  /** parses stdout of a --json call that must succeed */
  json<T = unknown>(args: string[]): Promise<T>;
}

export async function startWorld(opts: { config?: Record<string, unknown>; extraEnv?: NodeJS.ProcessEnv } = {}): Promise<EnvWorld> {
  const h = tempHome("swarm-env-");
  // the file key, not the OS keyring: these tests are about environments, and CI has no session bus here
  const config = { ...opts.config, secrets: { keyring: false, ...(opts.config?.secrets as object | undefined) } };
  const d = await startDaemon({ home: h, config, ...(opts.extraEnv ? { extraEnv: opts.extraEnv } : {}) });
  const repo = makeRepo();
  const ctl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) => swarmctl(d.env, ["--no-autostart", ...args], o);
  const w: EnvWorld = {
    d,
    repo,
    ctl,
    async dispose() {
      // Deleting through the daemon unmounts sandbox overlays and stops VMs before the files go.
      const list = await ctl(["--json", "env", "list"]).catch(() => null);
      const names = list?.code === 0 ? (JSON.parse(list.stdout) as { name: string }[]).map((e) => e.name) : [];
      if (names.length) await ctl(["env", "bulk", "delete", "--force", ...names], { timeoutMs: 120_000 }).catch(() => null);
      await w.d.stop();
      for (const dir of [h.home, repo]) {
        try {
          fs.rmSync(dir, { recursive: true, force: true });
        } catch {
          // a leftover mount keeps it; the OS temp cleaner gets it later
        }
      }
    },
    async json<T>(args: string[]) {
      const r = await ctl(["--json", ...args]);
      if (r.code !== 0) throw new Error(`swarmctl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
  };
  return w;
}
