import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { ProcessTrees, RUNTIME_MARKER } from "../../daemon/runtime/process-tree.js";
import { pidAlive, readPidFile } from "../../protocol/os.js";
import { swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { show, useDaemon } from "./runtime-helpers.js";

const HAVE_TMUX = spawnSync("tmux", ["-V"]).status === 0;
const HAVE_GROUPS = new ProcessTrees().mechanism.startsWith("cgroup");

/**
 * A program that leaves a grandchild in a session of its own (`setsid`), the way Codex
 * leaves `codex app-server`: the grandchild writes its pid to `pidfile` and sleeps with
 * SIGTERM ignored (so a stop has to escalate). `clearEnv` also drops the environment, so
 * only the runtime's cgroup can still tell it apart.
 */
function leaver(pidfile: string, clearEnv = false): string[] {
  const grand = `trap '' TERM; echo \\$\\$ > '${pidfile}'; exec sleep 100000`;
  const run = clearEnv ? `setsid env -i /bin/sh -c "${grand}" &` : `setsid /bin/sh -c "${grand}" &`;
  return ["/bin/sh", "-c", `${run} echo leaver-up; exec sleep 100000`];
}

async function grandchild(pidfile: string): Promise<number> {
  return waitFor(`the grandchild to write ${pidfile}`, () => readPidFile(pidfile), 15_000, 20);
}

const backends = [
  { backend: "holder" as const, skip: false },
  { backend: "tmux" as const, skip: !HAVE_TMUX },
];

describe("runtime process trees end with the runtime (issue 11, defect 7)", () => {
  let d: TestDaemon;
  let c: RpcClient;
  useDaemon((dd) => (d = dd));
  // the tmux runtimes' server outlives the daemon by design: end it with the suite
  afterAll(() => void spawnSync("tmux", ["-S", path.join(d.paths.runDir, "tmux.sock"), "kill-server"]));
  const client = async () => (c ??= await d.client());

  for (const { backend, skip } of backends) {
    describe.skipIf(skip)(backend, () => {
      it("runtime kill leaves no setsid grandchild behind", async () => {
        const pidfile = path.join(d.home, `kill-${backend}.pid`);
        await (await client()).call("runtime.start", { name: `k-${backend}`, command: leaver(pidfile), cwd: d.home, backend });
        const pid = await grandchild(pidfile);
        expect(pidAlive(pid)).toBe(true);
        await (await client()).call("runtime.kill", { name: `k-${backend}` });
        expect(pidAlive(pid), `grandchild ${pid} still runs after runtime kill`).toBe(false);
      });

      it("runtime stop (CLI) escalates to SIGKILL for a grandchild that ignores SIGTERM", async () => {
        const pidfile = path.join(d.home, `stop-${backend}.pid`);
        await (await client()).call("runtime.start", { name: `s-${backend}`, command: leaver(pidfile), cwd: d.home, backend });
        const pid = await grandchild(pidfile);
        const r = await swarmctl(d.env, ["runtime", "stop", `s-${backend}`, "--grace", "2"]);
        expect(r.code, r.stderr).toBe(0);
        expect(pidAlive(pid), `grandchild ${pid} still runs after runtime stop`).toBe(false);
      });
    });
  }

  it("a program that exits on its own takes its grandchild with it", async () => {
    const pidfile = path.join(d.home, "exit.pid");
    const grand = `echo \\$\\$ > '${pidfile}'; exec sleep 100000`;
    const cmd = ["/bin/sh", "-c", `setsid /bin/sh -c "${grand}" & while [ ! -s '${pidfile}' ]; do sleep 0.05; done; exit 3`];
    await (await client()).call("runtime.start", { name: "selfexit", command: cmd, cwd: d.home });
    const pid = await grandchild(pidfile);
    await waitFor("selfexit to exit", async () => (await show(await client(), "selfexit")).state === "exited", 15_000, 20);
    await waitFor(`grandchild ${pid} to be ended after its runtime exited`, () => !pidAlive(pid), 10_000, 20);
  });

  it.skipIf(!HAVE_GROUPS)("the runtime's cgroup catches a grandchild that cleared its environment and left the session", async () => {
    const pidfile = path.join(d.home, "noenv.pid");
    await (await client()).call("runtime.start", { name: "noenv", command: leaver(pidfile, true), cwd: d.home });
    const pid = await grandchild(pidfile);
    expect(fs.readFileSync(`/proc/${pid}/environ`).includes(RUNTIME_MARKER)).toBe(false);
    await (await client()).call("runtime.kill", { name: "noenv" });
    expect(pidAlive(pid)).toBe(false);
  });
});

describe("ProcessTrees without a cgroup: marker, session and parent tree", () => {
  it("finds and ends a marked setsid grandchild, and nothing older than the runtime", async () => {
    const trees = new ProcessTrees({ freezerRoot: null });
    expect(trees.mechanism).toContain(RUNTIME_MARKER);
    const id = "rt-unit" + process.pid;
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "tree-"));
    const pidfile = path.join(dir, "g.pid");
    const createdAt = new Date().toISOString();
    const root = spawn(leaver(pidfile)[0]!, leaver(pidfile).slice(1), { env: { ...process.env, [RUNTIME_MARKER]: id }, stdio: "ignore", detached: true });
    const g = await grandchild(pidfile);
    const ref = { id, pid: root.pid!, createdAt };
    const members = await trees.members(ref);
    expect(members).toEqual(expect.arrayContaining([root.pid, g]));
    expect(members).not.toContain(process.pid);
    // a runtime "created" after these processes started owns none of them (recycled pids)
    expect(await trees.members({ ...ref, createdAt: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    const r = await trees.end(ref, "SIGTERM", 300);
    expect(r.signalled).toEqual(expect.arrayContaining([root.pid, g]));
    expect(r.left).toEqual([]);
    expect(pidAlive(g)).toBe(false);
    expect(pidAlive(root.pid!)).toBe(false);
  });
});
