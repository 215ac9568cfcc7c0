import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROC_READS_AT_ONCE, RUNTIME_MARKER } from "../../daemon/runtime/process-tree.js";
import { Semaphore } from "../../protocol/limit.js";
import { ROOT } from "../helpers/daemon.js";

/**
 * A /proc of many processes read by many sweeps at once, in a process allowed few open
 * files (`ulimit -n`): every sweep must still see every process. Before reads were bounded,
 * each scan opened every /proc/PID/stat at once; the EMFILE failures read as processes that
 * were not there, so 200 kills at once left processes running. The /proc is a directory
 * of stat and environ files (a fake only at the edge: the kernel's files).
 */
function fakeProc(n: number, id: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-proc-"));
  const bootS = Math.floor(Date.now() / 1000) - 100;
  fs.writeFileSync(path.join(root, "stat"), `cpu 0 0 0 0\nbtime ${bootS}\n`);
  for (let i = 0; i < n; i++) {
    const pid = 100_000 + i;
    fs.mkdirSync(path.join(root, String(pid)));
    // started 100 s after boot (now): ticks of 10 ms; session and parent are unrelated to the runtime
    fs.writeFileSync(path.join(root, String(pid), "stat"), `${pid} (sleep) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 10000 1000 100\n`);
    fs.writeFileSync(path.join(root, String(pid), "environ"), `PATH=/bin\0${RUNTIME_MARKER}=${id}\0`);
  }
  return root;
}

describe("process-tree scans at scale", () => {
  it("20 sweeps at once over 1000 processes, with 64 open files allowed, each find all 1000", () => {
    const id = "rt-many";
    const proc = fakeProc(1000, id);
    const script = `
      const { ProcessTrees } = await import(${JSON.stringify(path.join(ROOT, "dist/daemon/runtime/process-tree.js"))});
      const trees = new ProcessTrees({ freezerRoot: null, procRoot: ${JSON.stringify(proc)} });
      const ref = { id: ${JSON.stringify(id)}, pid: null, createdAt: new Date(Date.now() - 5000).toISOString() };
      const found = await Promise.all(Array.from({ length: 20 }, () => trees.members(ref)));
      process.stdout.write(JSON.stringify(found.map((f) => f.length)));`;
    const r = spawnSync("/bin/sh", ["-c", `ulimit -n 64 && exec "$0" --input-type=module -e "$1"`, process.execPath, script], { encoding: "utf8" });
    fs.rmSync(proc, { recursive: true, force: true });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(Array.from({ length: 20 }, () => 1000));
  });

  it("the limiter runs at most its limit at once, every task once, and a failure frees its slot", async () => {
    const l = new Semaphore(3);
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    const task = (i: number) =>
      l.with(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        active--;
        if (i % 7 === 0) throw new Error(`task ${i} fails`);
        done.push(i);
        return i;
      });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => task(i)));
    expect(peak).toBe(3);
    expect(results.filter((x) => x.status === "rejected")).toHaveLength(8); // 0, 7, …, 49
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 7 !== 0));
    expect(PROC_READS_AT_ONCE).toBeLessThan(64);
  });
});
