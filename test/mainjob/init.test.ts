import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { ERROR_KINDS } from "../../protocol/errors.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { pathWithoutAgents, scratchRepo } from "./path-fixture.js";

/**
 * `swarmctl init` on a fresh repository configures the coordinator with nothing else to do:
 * no agent CLI on PATH (the daemon's and swarmctl's PATH hold none) → the scripted agent,
 * and the sample ticket runs to review with its diff. Host admission is off because the
 * test host is loaded by design; everything else is the default config.
 */
describe("swarmctl init: zero-config coordinator", () => {
  let bin: ReturnType<typeof pathWithoutAgents>;
  let d: TestDaemon;
  let c: RpcClient;
  const repos: string[] = [];
  const ctl = (...args: string[]) => swarmctl({ ...d.env, PATH: bin.dir }, ["--no-autostart", ...args]);
  beforeAll(async () => {
    bin = pathWithoutAgents();
    d = await startDaemon({ extraEnv: { PATH: bin.dir }, config: { coordinator: { max_load_per_cpu: 0, min_free_mem_mb: 0 } } });
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    bin?.remove();
    for (const r of repos) fs.rmSync(r, { recursive: true, force: true });
  });

  it("with no agent CLI installed: the scripted agent, said so, and the sample ticket runs to review with its diff", async () => {
    const repo = scratchRepo();
    repos.push(repo);
    const r = await ctl("init", repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("agents scripted (default scripted): no agent CLI found on PATH (claude, codex, gemini, aider)");
    expect(r.stdout).toContain(`config coordinator.repo = ${JSON.stringify(repo)}`);
    expect(r.stdout).toContain('config coordinator.default_agent_kind = "scripted" (was "command")');
    expect(r.stdout).toContain("swarmctl config set coordinator.default_agent_kind KIND");
    const cfg = JSON.parse(fs.readFileSync(d.paths.configFile, "utf8"));
    expect(cfg.coordinator).toMatchObject({
      repo,
      repos: { [path.basename(repo)]: repo },
      agent_kinds: ["scripted"],
      default_agent_kind: "scripted",
    });
    const ticket = await waitFor(
      "the sample ticket in review",
      async () => {
        const t = (await c.call("ticket.get", { id: "example-hello" })) as { state: string };
        if (t.state === "failed") throw new Error(`sample ticket failed: ${JSON.stringify(t)}`);
        return t.state === "review" ? t : null;
      },
      60_000,
      200,
    );
    expect(ticket.state).toBe("review");
    // the approval is requested once the ticket is in review
    const pending = await waitFor("its approval", async () => {
      const { approvals } = await c.call<{ approvals: { id: string }[] }>("approval.list", { ticket_id: "example-hello", state: "pending" });
      return approvals.length ? approvals : null;
    });
    expect(pending).toHaveLength(1);
    const ap = await c.call<{ diff: string }>("approval.get", { id: pending[0]!.id });
    expect(ap.diff).toContain("+Hello from swarm's scripted agent.");
  });

  it("agent CLIs on PATH are found with their versions; the first is the default; --agent picks one", async () => {
    bin.add("codex", "#!/bin/sh\necho 'codex-cli 0.171.0'\n");
    bin.add("gemini", "#!/bin/sh\necho '0.61.0'\n");
    try {
      const repo = scratchRepo();
      repos.push(repo);
      const r = await ctl("--json", "init", repo, "--no-watch");
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.agents.map((a: { program: string; version: string | null }) => [a.program, a.version])).toEqual([
        ["claude", null],
        ["codex", "codex-cli 0.171.0"],
        ["gemini", "0.61.0"],
        ["aider", null],
      ]);
      expect(out.choice).toMatchObject({ kinds: ["codex", "gemini"], default_kind: "codex" });
      const cfg = JSON.parse(fs.readFileSync(d.paths.configFile, "utf8"));
      expect(cfg.coordinator.default_agent_kind).toBe("codex");
      expect(cfg.coordinator.agent_kinds).toEqual(["codex", "gemini", "scripted"]);
      const text = await ctl("init", repo, "--no-watch", "--force", "--agent", "scripted");
      expect(text.stdout).toContain("agents scripted (default scripted): --agent scripted");
      expect(text.stdout).toContain('coordinator.default_agent_kind = "scripted" (was "codex")');
    } finally {
      fs.rmSync(path.join(bin.dir, "codex"));
      fs.rmSync(path.join(bin.dir, "gemini"));
    }
  });

  it("a folder whose name holds a dot (my.app-…) is one project, not a nested key", async () => {
    const repo = scratchRepo("my.app-");
    repos.push(repo);
    const name = path.basename(repo);
    const r = await ctl("--json", "init", repo, "--no-watch", "--agent", "scripted");
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(fs.readFileSync(d.paths.configFile, "utf8"));
    expect(cfg.coordinator.repos[name]).toBe(fs.realpathSync(repo));
    // again: nothing to change
    const again = JSON.parse((await ctl("--json", "init", repo, "--no-watch", "--agent", "scripted")).stdout);
    expect(again.config.map((x: { key: string }) => x.key)).not.toContain(`coordinator.repos.${name}`);
  });

  it("refuses an unknown --agent, and outside a git repository configures nothing and says what to do", async () => {
    const bad = await ctl("init", d.home, "--agent", "gpt", "--no-watch");
    expect(bad.code).toBe(ERROR_KINDS.INVALID_ARGUMENT.exitCode);
    expect(bad.stderr).toContain("--agent gpt is not an agent kind init can configure");
    expect(bad.stderr).toContain("claude, codex, gemini, aider, scripted");
    const plain = path.join(d.home, "plain");
    fs.mkdirSync(plain);
    const before = fs.readFileSync(d.paths.configFile, "utf8");
    const r = await ctl("init", plain, "--no-watch");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("is not a git repository, so tickets cannot run here: git init, commit, then swarmctl init again");
    expect(fs.readFileSync(d.paths.configFile, "utf8")).toBe(before);
    // doing as told: init again configures the repository and keeps the sample, edited or not
    const sample = path.join(plain, "tickets", "0001-example-hello.md");
    fs.appendFileSync(sample, "\nmy own note\n");
    execFileSync("git", ["-C", plain, "init", "-q"]);
    execFileSync("git", ["-C", plain, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "first"]);
    const again = await ctl("--json", "init", plain, "--no-watch", "--agent", "scripted");
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out).toMatchObject({ files: [], kept: [sample], repo: fs.realpathSync(plain) });
    expect(fs.readFileSync(sample, "utf8")).toContain("my own note");
    expect(JSON.parse(fs.readFileSync(d.paths.configFile, "utf8")).coordinator.repo).toBe(fs.realpathSync(plain));
  });
});
