/**
 * Readopt walks a list read once while the socket already answers: an interrupted create
 * it holds a stale copy of may have been deleted and re-created meanwhile. Its reclaim
 * must then leave the new environment (files, branch, record) alone. Driven
 * deterministically: the env service of a real registry (SQLite) and the real worktree
 * provider (git) in this process, with the stale copy handed to reclaimInterrupted after
 * the row was replaced, which is what readopt does when it reaches it late.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolvePaths } from "../../protocol/paths.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { ConfigStore } from "../../daemon/config/config-store.js";
import type { DaemonContext } from "../../daemon/context.js";
import { ProviderSet } from "../../daemon/env/provider-set.js";
import { EnvRegistry } from "../../daemon/env/registry.js";
import { EnvService } from "../../daemon/env/service.js";
import { EventLog } from "../../daemon/events/event-log.js";
import { nullLogger } from "../../daemon/log/logger.js";
import { openDatabase } from "../../daemon/store/db.js";
import { makeRepo } from "./fixture.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function world() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-readopt-race-"));
  const repo = makeRepo();
  dirs.push(home, repo);
  const paths = resolvePaths({ SWARM_HOME: home });
  const db = openDatabase(paths.database);
  const config = new ConfigStore(paths.configFile, { onReload() {}, onInvalid() {} });
  const ctx: DaemonContext = {
    paths,
    db,
    events: new EventLog(db, nullLogger()),
    config,
    logger: nullLogger(),
    startedAt: new Date(),
    cfg: () => config.get(),
    onShutdown() {},
    requestShutdown() {},
  };
  const registry = new EnvRegistry(db);
  const svc = new EnvService(ctx, registry, new ProviderSet(ctx, () => ({})));
  return { repo, db, registry, svc, paths };
}

/** The row a daemon that died mid-create (and then failed to clean up) leaves: no handle, `error`. */
function interruptedRow(name: string, repo: string): EnvRecord {
  const at = "2026-01-01T00:00:00.000Z";
  return {
    name,
    project: "p",
    provider: "worktree",
    state: "error",
    state_reason: "interrupted: cleaning up failed",
    repo,
    branch: `swarm/${name}`,
    host_path: null,
    cpus: 0,
    memory_mib: 0,
    capabilities: { net: "full", proxy_allow: [], resources_enforced: false },
    handle: {},
    created_at: at,
    updated_at: at,
    last_activity_at: at,
  };
}

const branches = (repo: string) => execFileSync("git", ["-C", repo, "branch", "--format=%(refname:short)"], { encoding: "utf8" }).split("\n").filter(Boolean);

describe("reclaiming an interrupted create from a stale copy", () => {
  it("the row was deleted and re-created meanwhile: the new environment keeps its worktree, branch and record", async () => {
    const w = world();
    w.registry.insert(interruptedRow("foo", w.repo));
    const stale = w.registry.get("foo")!; // what readopt read at start
    await w.svc.delete("foo", false); // the user, while readopt is busy elsewhere
    const fresh = await w.svc.create({ name: "foo", repo: w.repo, provider: "worktree" });
    fs.writeFileSync(path.join(fresh.host_path!, "work.txt"), "uncommitted\n");

    const reclaimed = await w.svc.reclaimInterrupted(stale);
    const now = w.registry.get("foo");
    expect(now?.state).toBe("running");
    expect(now?.created_at).toBe(fresh.created_at);
    expect(fs.readFileSync(path.join(fresh.host_path!, "work.txt"), "utf8")).toBe("uncommitted\n");
    expect(branches(w.repo)).toContain("swarm/foo");
    expect(reclaimed).toBe(false);
    await w.svc.delete("foo", true);
    w.db.close();
  }, 30_000);

  it("the row was deleted meanwhile: nothing to do, no error", async () => {
    const w = world();
    w.registry.insert(interruptedRow("gone", w.repo));
    const stale = w.registry.get("gone")!;
    w.registry.discard("gone");
    expect(await w.svc.reclaimInterrupted(stale)).toBe(false);
    expect(w.registry.get("gone")).toBeNull();
    w.db.close();
  }, 30_000);

  it("the row is still that interrupted create: reclaimed and dropped", async () => {
    const w = world();
    w.registry.insert(interruptedRow("still", w.repo));
    // what the dead create had made: git's record and the branch
    const dir = path.join(w.paths.dataDir, "providers", "worktree", "worktrees", "still");
    execFileSync("git", ["-C", w.repo, "worktree", "add", "--quiet", "--no-checkout", "-b", "swarm/still", dir, "HEAD"]);
    expect(await w.svc.reclaimInterrupted(w.registry.get("still")!)).toBe(true);
    expect(w.registry.get("still")).toBeNull();
    expect(fs.existsSync(dir)).toBe(false);
    expect(branches(w.repo)).not.toContain("swarm/still");
    w.db.close();
  }, 30_000);
});
