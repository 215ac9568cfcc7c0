import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Ticket } from "../../protocol/methods/ticket.js";
import { startDaemon, swarmctl, tempHome, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { makeRepo } from "../env/fixture.js";
import { CoordinatorConfig } from "../../protocol/config/coordinator.js";
import { FAKE_AGENT, killAll } from "../runtime/runtime-helpers.js";

/**
 * Agent tickets end to end (R-T3 wiring, R-T8): a real daemon, a real git repo, worktree
 * environments, and test/fixtures/fake-agent as the agent in a real PTY. The fake agent
 * appends each message it receives to NOTES.md in its cwd (--log), so a delivered prompt
 * leaves a file the commit step must pick up.
 */

let d: TestDaemon;
let c: RpcClient;
let repo: string;
let sideRepo: string;

interface AgentResult {
  branch: string;
  commit: string | null;
  base: string;
  files: string[];
  environment: string;
  runtime: string;
  workdir: string;
  pr: { exit_code: number; output: string } | null;
}

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const get = (id: string) => c.call<Ticket>("ticket.get", { id });
async function submit(title: string, extra: Record<string, unknown> = {}): Promise<Ticket> {
  return (await c.call<{ ticket: Ticket }>("ticket.submit", { title, ...extra })).ticket;
}
const settled = (id: string, states: string[], ms = 30_000) =>
  waitFor(
    `ticket ${id} in ${states.join("|")}`,
    async () => {
      const t = await get(id);
      return states.includes(t.state) ? t : null;
    },
    ms,
    50,
  );

beforeAll(async () => {
  repo = makeRepo("swarm-ticket-repo-");
  sideRepo = makeRepo("swarm-ticket-side-");
  const home = tempHome();
  fs.writeFileSync(
    home.paths.configFile,
    JSON.stringify({
      secrets: { keyring: false },
      coordinator: {
        agent_kinds: ["custom", "broken", "stuck", "nocmd", "slow", "oneshot"],
        default_agent_kind: "custom",
        repo,
        repos: { side: sideRepo },
        provider: "worktree",
        agent_command: {
          custom: [process.execPath, FAKE_AGENT, "--log", "NOTES.md", "--work-ms", "300"],
          broken: ["sh", "-c", "echo boom; exit 3"],
          oneshot: ["sh", "-c", 'read line; printf "%s\\n" "$line" > out.txt; echo "took: $line"'],
          stuck: [process.execPath, FAKE_AGENT, "--work-ms", "600000"],
          slow: [process.execPath, FAKE_AGENT, "--log", "NOTES.md", "--work-ms", "3000"],
        },
        pr_command: ["sh", "-c", 'echo "opened PR for $SWARM_TICKET_ID from $SWARM_BRANCH"'],
        idle_done_ms: 700,
        max_concurrent: 4,
        lease_ms: 5000,
        heartbeat_ms: 200,
        sweep_ms: 50,
        max_attempts: 2,
        backoff_base_ms: 50,
        breaker_failures: 100,
        min_free_mem_mb: 0,
        max_load_per_cpu: 0,
      },
    }),
  );
  d = await startDaemon({ home });
  c = await d.client();
});
afterAll(async () => {
  await killAll(d); // agent holders outlive the daemon by design
  await d?.stop();
  for (const dir of [repo, sideRepo]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("coordinator dispatch into environments and agents", () => {
  it("two tickets each end done on their own branch with one commit holding the agent's file, PR step recorded, bundle verified", async () => {
    const a = await submit("add notes A", { body: "write the first note" });
    const b = await submit("add notes B", { body: "write the second note" });
    for (const t of [a, b]) {
      const done = await settled(t.id, ["done", "failed"]);
      expect(done.state, JSON.stringify(done)).toBe("done");
      const r = done.result as AgentResult;
      expect(r.branch).toBe(`swarm/ticket-${t.id}`);
      expect(r.environment).toBe(`ticket-${t.id}`);
      expect(r.files).toEqual(["NOTES.md"]);
      expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
      // the branch lives in the source repo (worktree provider): one commit on top of base
      expect(git(repo, "rev-parse", r.branch)).toBe(r.commit);
      expect(git(repo, "rev-list", "--count", `${r.base}..${r.branch}`)).toBe("1");
      expect(git(repo, "log", "-1", "--format=%an <%ae>|%s", r.branch)).toBe(`swarm <swarm@localhost>|ticket ${t.id}: ${t.title}`);
      const notes = git(repo, "show", `${r.branch}:NOTES.md`);
      expect(notes).toContain(t.title);
      expect(r.pr?.exit_code).toBe(0);
      expect(r.pr?.output.trim()).toBe(`opened PR for ${t.id} from swarm/ticket-${t.id}`);
      const bundle = await c.call<{ path: string }>("bundle.get", { id: t.id });
      const v = await swarmctl(d.env, ["--json", "verify", bundle.path]);
      expect(v.code, v.stderr).toBe(0);
      const cert = (JSON.parse(v.stdout) as { certificate: { environment: string; agent: string; checks_passed: string[] } }).certificate;
      expect(cert.environment).toBe(`ticket-${t.id}`);
      expect(cert.agent).toBe("custom");
      expect(cert.checks_passed).toEqual(["agent-finished", "committed", "pr"]);
      const listing = execFileSync("tar", ["-tf", bundle.path], { encoding: "utf8" });
      expect(listing).toMatch(/ticket\.patch/);
    }
  }, 60_000);

  it("an agent that exits 3 is retried, then the ticket fails with its attempts counted", async () => {
    const t = await submit("will break", { agent_kind: "broken" });
    const failed = await settled(t.id, ["failed", "done"]);
    expect(failed.state).toBe("failed");
    expect(failed.attempts).toBe(2);
    expect(JSON.stringify(failed)).toMatch(/code 3/);
  }, 30_000);

  it("cancel stops the agent's runtime and keeps its environment", async () => {
    const t = await submit("never ends", { agent_kind: "stuck" });
    const name = `ticket-${t.id}`;
    await waitFor(
      "the agent working",
      async () => {
        const { runtimes } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
        return runtimes.find((r) => r.name === name && r.state === "working") ?? null;
      },
      20_000,
      50,
    );
    await c.call("ticket.cancel", { id: t.id, reason: "changed my mind" });
    await waitFor(
      "the runtime stopped",
      async () => {
        const { runtimes } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
        return runtimes.find((r) => r.name === name && r.state === "exited") ?? null;
      },
      15_000,
      50,
    );
    expect((await get(t.id)).state).toBe("cancelled");
    const { envs } = await c.call<{ envs: { name: string }[] }>("env.list", {});
    expect(envs.map((e) => e.name)).toContain(name);
  }, 40_000);

  it("an approval-gated ticket goes to review with an approval carrying the environment's diff", async () => {
    const t = await submit("gated notes", { body: "needs a human", requires_approval: true });
    const review = await settled(t.id, ["review", "done", "failed"]);
    expect(review.state).toBe("review");
    const { approvals } = await waitFor(
      "the approval",
      async () => {
        const r = await c.call<{ approvals: { id: string; files_changed: string[]; summary: string }[] }>("approval.list", { ticket_id: t.id });
        return r.approvals.length ? r : null;
      },
      10_000,
      50,
    );
    expect(approvals[0]!.files_changed).toEqual(["NOTES.md"]);
    expect(approvals[0]!.summary).toMatch(/1 file\(s\) changed on swarm\/ticket-/);
    const full = await c.call<{ diff: string }>("approval.get", { id: approvals[0]!.id });
    expect(full.diff).toContain("+gated notes");
  }, 40_000);

  it("an agent that exits 0 finishes its ticket without waiting for idleness", async () => {
    const t = await submit("one shot", { agent_kind: "oneshot" });
    const done = await settled(t.id, ["done", "failed"]);
    expect(done.state, JSON.stringify(done)).toBe("done");
    const r = done.result as AgentResult;
    expect(r.files).toEqual(["out.txt"]);
    expect(git(repo, "show", `${r.branch}:out.txt`)).toBe("one shot");
  }, 30_000);

  it("a ticket in a workspace with its own repo runs against that repo", async () => {
    const t = await submit("side note", { workspace: "side" });
    const done = await settled(t.id, ["done", "failed"]);
    expect(done.state, JSON.stringify(done)).toBe("done");
    const r = done.result as AgentResult;
    expect(git(sideRepo, "show", `${r.branch}:NOTES.md`)).toBe("side note");
    expect(() => git(repo, "rev-parse", "--verify", "-q", r.branch)).toThrow();
  }, 30_000);

  it("cancel while the environment is still being prepared leaves no agent running", async () => {
    const t = await submit("cancel early", { agent_kind: "stuck" });
    await settled(t.id, ["claimed", "running"], 10_000);
    await c.call("ticket.cancel", { id: t.id });
    await waitFor(
      "the run wound down",
      async () => {
        const s = await c.call<{ running_locally: string[] }>("coordinator.status", {});
        return s.running_locally.includes(t.id) ? null : true;
      },
      15_000,
      50,
    );
    const { runtimes } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
    const rt = runtimes.find((r) => r.name === `ticket-${t.id}`);
    if (rt)
      await waitFor(
        "the agent stopped",
        async () => {
          const { runtimes: now } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
          return now.find((r) => r.name === rt.name && r.state === "exited") ?? null;
        },
        10_000,
        50,
      );
    expect((await get(t.id)).state).toBe("cancelled");
  }, 30_000);

  it("the ticket's timeout stops its agent and fails it; the environment stays", async () => {
    const t = await submit("too slow", { agent_kind: "stuck", timeout_ms: 1500, max_attempts: 1 });
    const failed = await settled(t.id, ["failed", "done"], 20_000);
    expect(failed.state).toBe("failed");
    expect(JSON.stringify(failed)).toMatch(/timed out/);
    // the sweep may fail the ticket first; the runner then loses its lease and stops the agent
    await waitFor(
      "the agent stopped",
      async () => {
        const { runtimes } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
        return runtimes.find((r) => r.name === `ticket-${t.id}` && r.state === "exited") ?? null;
      },
      10_000,
      50,
    );
    const { envs } = await c.call<{ envs: { name: string }[] }>("env.list", {});
    expect(envs.map((e) => e.name)).toContain(`ticket-${t.id}`);
  }, 30_000);

  it("a kind with no start command fails at once, naming the config key to set", async () => {
    const t = await submit("no agent", { agent_kind: "nocmd" });
    const failed = await settled(t.id, ["failed", "done"]);
    expect(failed.state).toBe("failed");
    expect(failed.attempts).toBe(1);
    expect(JSON.stringify(failed)).toContain("coordinator.agent_command.nocmd");
  }, 20_000);

  it("config: agent_kinds without an absolute repo is rejected with what to set", () => {
    const none = CoordinatorConfig.safeParse({ agent_kinds: ["claude"] });
    expect(none.success).toBe(false);
    expect(JSON.stringify(none.error?.issues)).toContain("need coordinator.repo");
    const rel = CoordinatorConfig.safeParse({ agent_kinds: ["claude"], repo: "some/dir" });
    expect(JSON.stringify(rel.error?.issues)).toContain("absolute path");
    const relWs = CoordinatorConfig.safeParse({ agent_kinds: ["claude"], repos: { web: "web" } });
    expect(JSON.stringify(relWs.error?.issues)).toContain("coordinator.repos.web must be an absolute path");
    expect(CoordinatorConfig.safeParse({ agent_kinds: ["claude"], repos: { web: "/src/web" } }).success).toBe(true);
    expect(CoordinatorConfig.parse({}).agent_kinds).toEqual([]);
  });

  // Last: it replaces the daemon.
  it("a daemon SIGKILLed while an agent works: after restart the ticket picks the same runtime up and finishes once", async () => {
    const t = await submit("survive a crash", { agent_kind: "slow" });
    const delivered = async () => {
      const { events } = await c.call<{ events: { type: string; subject: string | null }[] }>("event.list", { types: ["ticket.prompt_delivered"] });
      return events.filter((e) => e.subject === t.id);
    };
    await waitFor("the prompt delivered", async () => ((await delivered()).length ? true : null), 20_000, 50);
    await d.kill();
    d = await d.restart();
    c = await d.client();
    const done = await settled(t.id, ["done", "failed"], 30_000);
    expect(done.state, JSON.stringify(done)).toBe("done");
    expect(done.attempts).toBe(2);
    const r = done.result as AgentResult;
    // the prompt was delivered once: the adopted agent was not started over
    expect(git(repo, "show", `${r.branch}:NOTES.md`).split("\n")).toEqual(["survive a crash"]);
    const { events } = await c.call<{ events: { type: string; subject: string | null }[] }>("event.list", { types: ["ticket.agent_adopted"] });
    expect(events.filter((e) => e.subject === t.id)).toHaveLength(1);
    expect(await delivered()).toHaveLength(1);
  }, 60_000);
});
