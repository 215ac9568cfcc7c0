import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/daemon.js";
import { startWorld, type EnvWorld } from "./fixture.js";

let w: EnvWorld;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.dispose();
});

describe("agents' PTYs inside an environment", () => {
  it("a runtime started with --env runs in the environment's checkout with project variables and secrets", async () => {
    const e = await w.json<{ host_path: string; project: string; last_activity_at: string }>([
      "env",
      "create",
      "agent-env",
      "--repo",
      w.repo,
      "--project",
      "pr",
    ]);
    expect((await w.ctl(["secret", "set", "AGENT_TOKEN", "tok-for-agents", "--project", "pr"])).code).toBe(0);
    const r = await w.ctl(["runtime", "start", "rt-in-env", "--env", "agent-env", "--", "sh", "-c", 'echo "tok=$AGENT_TOKEN dir=$(pwd)"; sleep 1']);
    expect(r.code, r.stderr).toBe(0);
    const out = await waitFor(
      "the runtime's output",
      async () => {
        const l = await w.ctl(["logs", "rt-in-env"]);
        return /tok=/.test(l.stdout) ? l.stdout : null;
      },
      20_000,
      100,
    );
    // the secret reached the runtime, and is masked where swarm records and shows it (R-O4)
    expect(out).toContain("tok=******** ");
    expect(out).not.toContain("tok-for-agents");
    expect(out).toContain(`dir=${e.host_path}`);
    const plain = await w.ctl(["runtime", "start", "rt-plain", "--no-redact", "--env", "agent-env", "--", "sh", "-c", 'echo "tok=$AGENT_TOKEN"; sleep 1']);
    expect(plain.code, plain.stderr).toBe(0);
    await waitFor("the unmasked runtime's output", async () => /tok=tok-for-agents/.test((await w.ctl(["logs", "rt-plain"])).stdout) || null, 20_000, 100);
    // the runtime's PTY counts as activity in the environment
    const shown = await w.json<{ last_activity_at: string }>(["env", "show", "agent-env"]);
    expect(shown.last_activity_at > e.last_activity_at).toBe(true);
  });
});
