import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EventRecord } from "../../protocol/events.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

const worlds: EnvWorld[] = [];
afterAll(async () => {
  for (const w of worlds) await w.dispose();
});

async function events(w: EnvWorld, type: string): Promise<EventRecord[]> {
  const c = await w.d.client();
  try {
    return (await c.call<{ events: EventRecord[] }>("event.list", { since: 0, types: [type] })).events;
  } finally {
    c.close();
  }
}

describe("re-adoption after kill -9", () => {
  it("keeps live environments, marks one whose worktree vanished as lost with a reason", async () => {
    const w = await startWorld();
    worlds.push(w);
    for (const n of ["keep", "vanish", "stopped1"]) expect((await w.ctl(["env", "create", n, "--repo", w.repo])).code).toBe(0);
    expect((await w.ctl(["env", "stop", "stopped1"])).code).toBe(0);
    const vanish = await w.json<EnvRecord>(["env", "show", "vanish"]);
    await w.d.kill();
    fs.rmSync(vanish.host_path!, { recursive: true, force: true });
    w.d = await w.d.restart();
    const envs = await w.json<EnvRecord[]>(["env", "list"]);
    const by = Object.fromEntries(envs.map((e) => [e.name, e]));
    expect(by.keep).toMatchObject({ state: "running", state_reason: null });
    expect(by.stopped1).toMatchObject({ state: "stopped" });
    expect(by.vanish!.state).toBe("lost");
    expect(by.vanish!.state_reason).toMatch(/no longer has it/);
    expect((await w.ctl(["env", "run", "keep", "--", "cat", "README.md"])).stdout).toBe("hello\n");
    const lost = await events(w, "env.lost");
    expect(lost.map((e) => e.subject)).toEqual(["vanish"]);
    // a lost environment's record can be deleted without --force
    expect((await w.ctl(["env", "delete", "vanish"])).code).toBe(0);
  });
});

describe("re-adoption of an interrupted create", () => {
  it("a row left in `creating` without a handle is reclaimed at restart: record gone, event, name reusable", async () => {
    const w = await startWorld();
    worlds.push(w);
    expect((await w.ctl(["env", "create", "done1", "--repo", w.repo])).code).toBe(0);
    await w.d.stop();
    // What a SIGKILL between the registry insert and the provider's return leaves behind.
    const db = new Database(w.d.paths.database);
    const row = db.prepare("SELECT * FROM envs WHERE name = 'done1'").get() as Record<string, unknown>;
    db.prepare(
      `INSERT INTO envs (name, project, provider, state, state_reason, repo, branch, host_path, cpus, memory_mib, net, capabilities, handle, created_at, updated_at, last_activity_at)
       VALUES ('half', @project, 'worktree', 'creating', NULL, @repo, 'swarm/half', NULL, 0, 0, 'full', @capabilities, '{}', @created_at, @created_at, @created_at)`,
    ).run(row);
    db.close();
    w.d = await w.d.restart();
    // (the failing-reclaim path and real SIGKILLs are in interrupted-create.test.ts)
    const ev = await waitFor("env.create_interrupted", async () => (await events(w, "env.create_interrupted"))[0], 10_000, 50);
    expect(ev).toMatchObject({ subject: "half", data: { provider: "worktree", reclaimed: true } });
    expect((await w.json<EnvRecord[]>(["env", "list"])).map((e) => e.name)).toEqual(["done1"]);
    expect((await w.ctl(["env", "create", "half", "--repo", w.repo])).code).toBe(0);
  });
});

describe("idle auto-stop", () => {
  it("stops a running environment after env.idle_stop_after with no activity, with an env.idle_stopped event", async () => {
    const w = await startWorld({ config: { env: { idle_stop_after: "1500ms" } } });
    worlds.push(w);
    const sleepy = await w.json<EnvRecord>(["env", "create", "sleepy", "--repo", w.repo]);
    expect((await w.ctl(["env", "create", "busy", "--repo", w.repo])).code).toBe(0);
    // Keep `busy` active with execs while `sleepy` idles. The execs go over one RPC connection
    // back to back, so the gaps between them stay far below the 1.5 s limit on a loaded host
    // (a swarmctl process per exec can take longer than that to start).
    const c = await w.d.client();
    let idling = true;
    const keepBusy = (async () => {
      while (idling) {
        await c.call("env.exec", { name: "busy", argv: ["true"] });
        await new Promise((r) => setTimeout(r, 50)); // pacing, not synchronisation
      }
    })();
    let stoppedAt = 0;
    try {
      await waitFor(
        "sleepy to be idle-stopped",
        async () => {
          const s = (await c.call<{ env: EnvRecord }>("env.show", { name: "sleepy" })).env;
          if (s.state === "stopped") stoppedAt = Date.now();
          return s.state === "stopped";
        },
        15_000,
        100,
      );
    } finally {
      idling = false;
      await keepBusy;
    }
    // not before the limit had passed since its last activity (the end of its create)
    expect(stoppedAt - Date.parse(sleepy.last_activity_at)).toBeGreaterThanOrEqual(1500);
    expect((await w.json<EnvRecord>(["env", "show", "busy"])).state).toBe("running");
    const ev = await events(w, "env.idle_stopped");
    expect(ev.map((e) => e.subject)).toEqual(["sleepy"]);
    expect(ev[0]!.data.limit_ms).toBe(1500);
    // starting it again works and counts as activity
    expect((await w.json<EnvRecord>(["env", "start", "sleepy"])).state).toBe("running");
    expect(path.isAbsolute((await w.json<EnvRecord>(["env", "show", "sleepy"])).host_path!)).toBe(true);
  });
});
