/**
 * A create the daemon dies in (SIGKILL while the provider is working) leaves nothing behind:
 * the restarted daemon has the provider reclaim it, drops the record, says so in an
 * `env.create_interrupted` event, and the same name can be created again. When reclaim
 * fails, the record stays in `error` with the reason and `env delete` retries it.
 */
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NOTIFICATIONS, type EventRecord } from "../../protocol/events.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

const worlds: EnvWorld[] = [];
const pinned: string[] = [];
const shimDirs: string[] = [];
afterAll(async () => {
  for (const f of pinned) unpin(f);
  for (const w of worlds) await w.dispose();
  for (const d of shimDirs) fs.rmSync(d, { recursive: true, force: true });
}, 60_000);

const hasBwrap = (() => {
  try {
    execFileSync("bwrap", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const isRoot = process.getuid?.() === 0;

async function eventsOf(w: EnvWorld, type: string, subject: string): Promise<EventRecord[]> {
  const c = await w.d.client();
  try {
    return (await c.call<{ events: EventRecord[] }>("event.list", { since: 0, types: [type] })).events.filter((e) => e.subject === subject);
  } finally {
    c.close();
  }
}

const sandboxDir = (w: EnvWorld, name: string) => path.join(w.d.paths.dataDir, "providers", "sandbox", "envs", name);
const mountedUnder = (dir: string) =>
  fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.split(" ")[4]?.startsWith(dir));
const names = async (w: EnvWorld) => (await w.json<EnvRecord[]>(["env", "list"])).map((e) => e.name);

/**
 * `mount` as the daemon finds it on PATH: the real one, except that while `armed` exists an
 * overlay mount waits until it is removed and then fails without mounting. The cut create's
 * mount is armed, so the kill always lands inside the provider's steps however slow the host
 * is to deliver the progress event (unarmed, the create could finish, or its mount complete
 * after the kill, before the test's SIGKILL arrived).
 */
function mountShim(): { env: NodeJS.ProcessEnv; armed: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-mount-shim-"));
  shimDirs.push(dir);
  const real = execFileSync("sh", ["-c", "command -v mount"], { encoding: "utf8" }).trim();
  const armed = path.join(dir, "armed");
  const script = `#!/bin/sh
case "$*" in *overlay*)
  if [ -e '${armed}' ]; then while [ -e '${armed}' ]; do sleep 0.05; done; exit 1; fi ;;
esac
exec '${real}' "$@"
`;
  fs.writeFileSync(path.join(dir, "mount"), script, { mode: 0o755 });
  return { env: { PATH: `${dir}:${process.env.PATH ?? ""}` }, armed };
}

function mountLikeTheProvider(w: EnvWorld, dir: string): void {
  const bases = path.join(w.d.paths.dataDir, "providers", "sandbox", "bases");
  const base = fs.readdirSync(bases).find((f) => !f.endsWith(".ready"))!;
  for (const d of ["upper", "work", "merged"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const opts = `lowerdir=${path.join(bases, base)},upperdir=${path.join(dir, "upper")},workdir=${path.join(dir, "work")}`;
  execFileSync("mount", ["-t", "overlay", "overlay", "-o", opts, path.join(dir, "merged")]);
}

/** chattr +i: even root cannot remove the file, so the provider's cleanup really fails. */
function pin(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "pinned\n");
  execFileSync("chattr", ["+i", file]);
  pinned.push(file);
}
function unpin(file: string): void {
  try {
    execFileSync("chattr", ["-i", file], { stdio: "ignore" });
  } catch {
    // already gone
  }
}

describe.skipIf(!hasBwrap)(`interrupted creates${hasBwrap ? "" : " (skipped: bwrap is not installed: apt-get install -y bubblewrap)"}`, () => {
  // base: the provider's first step (its folder exists, nothing mounted yet); overlay: the mount is being made
  it.each(["base", "overlay"])(
    "SIGKILL at the provider's %s step: the restarted daemon reclaims it and the name can be created again",
    async (killAt) => {
      const shim = mountShim();
      const w = await startWorld({ extraEnv: shim.env });
      worlds.push(w);
      // the shared base clone exists already, so the kill lands in the per-environment steps
      expect((await w.ctl(["env", "create", "warm", "--provider", "sandbox", "--repo", w.repo])).code).toBe(0);
      fs.writeFileSync(shim.armed, "");
      const c = await w.d.client();
      let killed: Promise<void> | null = null;
      let phaseAtKill = "";
      c.on(NOTIFICATIONS.event, (p) => {
        const ev = (p as { event: EventRecord }).event;
        const phase = (ev.data as { phase?: string }).phase ?? "";
        if (killed || ev.subject !== "cut" || phase !== killAt) return;
        phaseAtKill = phase;
        killed = w.d.kill();
      });
      await c.call("event.subscribe", { types: ["env.progress"] });
      const create = c.call("env.create", { name: "cut", provider: "sandbox", repo: w.repo }).then(
        () => "finished",
        () => "cut off",
      );
      await waitFor("the daemon to be killed mid-create", () => killed !== null, 20_000);
      await (killed as Promise<void> | null);
      fs.rmSync(shim.armed); // the held mount gives up without mounting
      expect(await create).toBe("cut off");
      expect(phaseAtKill).toBe(killAt);
      const dir = sandboxDir(w, "cut");
      // The kill landed before the provider's `mount` (held by the shim): finish the mount as a
      // kill a few ms later would have left it, so reclaim really meets a mounted overlay.
      if (killAt === "overlay" && mountedUnder(dir).length === 0) mountLikeTheProvider(w, dir);
      const leftAtKill = { dir: fs.existsSync(dir), mounts: mountedUnder(dir).length };
      expect(leftAtKill.dir).toBe(true);
      if (killAt === "overlay") expect(leftAtKill.mounts).toBe(1);

      w.d = await w.d.restart();
      const ev = await waitFor("env.create_interrupted for cut", async () => (await eventsOf(w, "env.create_interrupted", "cut"))[0], 20_000, 50);
      expect(ev.data, JSON.stringify(leftAtKill)).toMatchObject({ provider: "sandbox", reclaimed: true });
      expect(fs.existsSync(dir)).toBe(false);
      expect(mountedUnder(dir)).toEqual([]);
      expect(await names(w)).toEqual(["warm"]);

      const again = await w.ctl(["env", "create", "cut", "--provider", "sandbox", "--repo", w.repo]);
      expect(again.code, again.stderr).toBe(0);
      const run = await w.ctl(["env", "run", "cut", "--", "cat", "README.md"]);
      expect(run.stdout).toBe("hello\n");
    },
    90_000,
  );

  it.skipIf(!isRoot)(
    "a reclaim that fails leaves the record in error with its reason; env delete retries it, --force drops only the record",
    async () => {
      const w = await startWorld();
      worlds.push(w);
      expect((await w.ctl(["env", "create", "warm", "--provider", "sandbox", "--repo", w.repo])).code).toBe(0);
      await w.d.stop();
      // What a SIGKILL between the registry insert and the provider's return leaves: a row
      // without a handle, and (here) a half-made folder that cannot be removed yet.
      const db = new Database(w.d.paths.database);
      const row = db.prepare("SELECT * FROM envs WHERE name = 'warm'").get() as Record<string, unknown>;
      for (const name of ["stuck", "forced"]) {
        db.prepare(
          `INSERT INTO envs (name, project, provider, state, state_reason, repo, branch, host_path, cpus, memory_mib, net, capabilities, handle, created_at, updated_at, last_activity_at)
         VALUES (@name, @project, 'sandbox', 'creating', NULL, @repo, @branch, NULL, 0, 0, 'none', @capabilities, '{}', @created_at, @created_at, @created_at)`,
        ).run({ ...row, name, branch: `swarm/${name}` });
      }
      db.close();
      const stuckPin = path.join(sandboxDir(w, "stuck"), "upper", "pin");
      const forcedPin = path.join(sandboxDir(w, "forced"), "upper", "pin");
      pin(stuckPin);
      pin(forcedPin);

      w.d = await w.d.restart();
      const ev = await waitFor("env.create_interrupted for stuck", async () => (await eventsOf(w, "env.create_interrupted", "stuck"))[0], 20_000, 50);
      expect(ev.data).toMatchObject({ provider: "sandbox", reclaimed: false });
      const stuck = await w.json<EnvRecord>(["env", "show", "stuck"]);
      expect(stuck.state).toBe("error");
      expect(stuck.state_reason).toMatch(/interrupted: the daemon stopped while this environment was being created, and cleaning up failed \(.*stuck.*\)/);
      expect((await w.ctl(["env", "create", "stuck", "--provider", "sandbox", "--repo", w.repo])).code).not.toBe(0);

      const refused = await w.ctl(["env", "delete", "stuck"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/cannot clean up what the interrupted create of stuck left/);
      unpin(stuckPin);
      const del = await w.ctl(["env", "delete", "stuck"]);
      expect(del.code, del.stderr).toBe(0);
      expect(fs.existsSync(sandboxDir(w, "stuck"))).toBe(false);
      expect((await w.ctl(["env", "create", "stuck", "--provider", "sandbox", "--repo", w.repo])).code).toBe(0);

      const forced = await w.ctl(["env", "delete", "forced", "--force"]);
      expect(forced.code, forced.stderr).toBe(0);
      const gone = (await eventsOf(w, "env.deleted", "forced"))[0];
      expect(gone?.data).toMatchObject({ interrupted_create: true, reclaim_error: expect.stringMatching(/forced/) });
      expect(await names(w)).toEqual(["warm", "stuck"]);
      unpin(forcedPin);
      fs.rmSync(sandboxDir(w, "forced"), { recursive: true, force: true });
    },
    90_000,
  );
});
