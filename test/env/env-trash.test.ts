import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EnvRecord, TrashEntryInfo } from "../../protocol/methods/env.js";
import { deadlineMs, waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

let w: EnvWorld | undefined;
afterEach(async () => {
  await w?.dispose();
  w = undefined;
});

const trashBranches = (repo: string) =>
  execFileSync("git", ["-C", repo, "branch", "--list", "swarm-trash/*", "--format=%(refname:short)"], { encoding: "utf8" }).split("\n").filter(Boolean);

/** Creates an environment with one commit of its own on its branch, then force-deletes it into the trash. */
async function deleteWithCommit(world: EnvWorld, name: string): Promise<void> {
  expect((await world.ctl(["env", "create", name, "--repo", world.repo])).code).toBe(0);
  const host = (await world.json<EnvRecord>(["env", "show", name])).host_path!;
  fs.writeFileSync(path.join(host, `${name}.txt`), "work\n");
  const git = (...a: string[]) => execFileSync("git", ["-C", host, "-c", "user.email=t@example.com", "-c", "user.name=t", ...a], { stdio: "ignore" });
  git("add", ".");
  git("commit", "-q", "-m", `work of ${name}`);
  const d = await world.ctl(["env", "delete", name, "--force"]);
  expect(d.code, d.stderr).toBe(0);
}

describe("swarmctl env trash (worktree provider, real daemon, real git)", () => {
  it("lists deleted environments with their swarm-trash branch; purge removes entries and branches; --older-than spares newer ones", async () => {
    w = await startWorld();
    await deleteWithCommit(w, "gamma");
    const list = await w.json<TrashEntryInfo[]>(["env", "trash", "list"]);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: "gamma", provider: "worktree", branch: "swarm/gamma", repo: w.repo });
    expect(list[0]!.trash_branch).toMatch(/^swarm-trash\/gamma-\d+$/);
    expect(trashBranches(w.repo)).toEqual([list[0]!.trash_branch]);
    expect((await w.ctl(["env", "trash", "list"])).stdout).toMatch(/gamma/);

    expect(await w.json<TrashEntryInfo[]>(["env", "trash", "purge", "--older-than", "1h"])).toEqual([]);
    expect(trashBranches(w.repo)).toHaveLength(1);
    const bad = await w.ctl(["env", "trash", "purge", "--older-than", "soon"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--older-than takes a duration/);

    // by id: only that entry goes (a second one, delta, stays until the purge of all)
    await deleteWithCommit(w, "delta");
    const delta = (await w.json<TrashEntryInfo[]>(["env", "trash", "list"])).find((e) => e.name === "delta")!;
    expect((await w.json<TrashEntryInfo[]>(["env", "trash", "purge", delta.id])).map((e) => e.name)).toEqual(["delta"]);
    expect((await w.json<TrashEntryInfo[]>(["env", "trash", "list"])).map((e) => e.name)).toEqual(["gamma"]);
    expect(await w.json<TrashEntryInfo[]>(["env", "trash", "purge", "no-such-id"])).toEqual([]);

    const purged = await w.ctl(["env", "trash", "purge"]);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toMatch(/purged 1 deleted environment\(s\): gamma/);
    expect(await w.json<TrashEntryInfo[]>(["env", "trash", "list"])).toEqual([]);
    expect(trashBranches(w.repo)).toEqual([]);
    expect(fs.existsSync(list[0]!.path)).toBe(false);
    expect((await w.ctl(["env", "restore-deleted", "gamma"])).code).toBe(ERROR_KINDS.NOT_FOUND.exitCode);
  });

  it("env.trash_keep_for: expired entries go on the next delete and at daemon start", async () => {
    w = await startWorld({ config: { env: { trash_keep_for: "1ms" } } });
    await deleteWithCommit(w, "old");
    await deleteWithCommit(w, "newer");
    // the delete of `newer` came well after `old` was trashed: `old` is past 1ms and went then
    const names = (await w.json<TrashEntryInfo[]>(["env", "trash", "list"])).map((e) => e.name);
    expect(names).not.toContain("old");
    expect(trashBranches(w.repo).some((b) => b.startsWith("swarm-trash/old-"))).toBe(false);

    await w.d.stop();
    w.d = await w.d.restart();
    const world = w;
    await waitFor(
      "expired trash purged at daemon start",
      async () => trashBranches(world.repo).length === 0 && (await world.json<TrashEntryInfo[]>(["env", "trash", "list"])).length === 0,
      deadlineMs(20_000),
    );
  });
});

describe("a ticket's branch in the trash", () => {
  it("keeps its name and commits on delete --force; purge leaves it; restore-deleted brings the environment back on it", async () => {
    w = await startWorld();
    const branch = "swarm/ticket-T7";
    expect((await w.ctl(["env", "create", "ticket-T7", "--repo", w.repo, "--branch", branch])).code).toBe(0);
    const host = (await w.json<EnvRecord>(["env", "show", "ticket-T7"])).host_path!;
    fs.writeFileSync(path.join(host, "t7.txt"), "ticket work\n");
    execFileSync("git", ["-C", host, "add", "."], { stdio: "ignore" });
    execFileSync("git", ["-C", host, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "ticket T7 work"], { stdio: "ignore" });
    const tip = execFileSync("git", ["-C", w.repo, "rev-parse", branch], { encoding: "utf8" }).trim();
    expect((await w.ctl(["env", "delete", "ticket-T7", "--force"])).code).toBe(0);

    const [entry] = await w.json<TrashEntryInfo[]>(["env", "trash", "list"]);
    expect(entry).toMatchObject({ name: "ticket-T7", branch, trash_branch: null });
    expect(trashBranches(w.repo)).toEqual([]);
    expect(execFileSync("git", ["-C", w.repo, "rev-parse", branch], { encoding: "utf8" }).trim()).toBe(tip);

    const back = await w.json<EnvRecord>(["env", "restore-deleted", "ticket-T7"]);
    expect(fs.readFileSync(path.join(back.host_path!, "t7.txt"), "utf8")).toBe("ticket work\n");
    expect((await w.ctl(["env", "delete", "ticket-T7", "--force"])).code).toBe(0);
    expect((await w.json<TrashEntryInfo[]>(["env", "trash", "purge"])).map((e) => e.name)).toEqual(["ticket-T7"]);
    expect(execFileSync("git", ["-C", w.repo, "rev-parse", branch], { encoding: "utf8" }).trim()).toBe(tip);

    // a new environment for the ticket goes on from its branch
    const again = await w.ctl(["env", "create", "ticket-T7", "--repo", w.repo, "--branch", branch]);
    expect(again.code, again.stderr).toBe(0);
    const host2 = (await w.json<EnvRecord>(["env", "show", "ticket-T7"])).host_path!;
    expect(execFileSync("git", ["-C", host2, "rev-parse", "HEAD"], { encoding: "utf8" }).trim()).toBe(tip);
    expect(fs.readFileSync(path.join(host2, "t7.txt"), "utf8")).toBe("ticket work\n");
    // any other existing branch is still refused
    const other = await w.ctl(["env", "create", "other", "--repo", w.repo, "--branch", "main"]);
    expect(other.code).toBe(ERROR_KINDS.CONFLICT.exitCode);
  });
});
