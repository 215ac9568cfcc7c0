import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { pathWithoutAgents } from "./path-fixture.js";

type Check = { check: string; status: string; detail: string; hint?: string };

/** `swarmctl doctor` reports each agent CLI (found with its version, or the install command) and the coordinator's config. */
describe("doctor: agent CLIs and the coordinator", () => {
  let bin: ReturnType<typeof pathWithoutAgents>;
  let d: TestDaemon;
  const checks = async () => {
    const r = await swarmctl({ ...d.env, PATH: bin.dir }, ["--no-autostart", "--json", "doctor"]);
    return new Map((JSON.parse(r.stdout).checks as Check[]).map((c) => [c.check, c]));
  };
  beforeAll(async () => {
    bin = pathWithoutAgents();
    d = await startDaemon({ extraEnv: { PATH: bin.dir } });
  });
  afterAll(async () => {
    await d?.stop();
    bin?.remove();
  });

  it("not installed: warn with the install command; installed: its version; the coordinator with no agents says to run init", async () => {
    bin.add("claude", "#!/bin/sh\necho '2.1.197 (Claude Code)'\n");
    let m = await checks();
    expect(m.get("agent claude")).toMatchObject({ status: "ok", detail: expect.stringMatching(/^2\.1\.197 \(Claude Code\) \(/) });
    expect(m.get("agent codex")).toMatchObject({ status: "warn", hint: "npm install -g @openai/codex" });
    expect(m.get("agent gemini")).toMatchObject({ status: "warn", hint: "npm install -g @google/gemini-cli" });
    expect(m.get("agent aider")).toMatchObject({ status: "warn", hint: "pipx install aider-chat" });
    expect(m.get("coordinator")).toMatchObject({ status: "warn", hint: "swarmctl init in your repository" });

    const c = await d.client();
    await c.call("config.set", { key: "coordinator.repo", value: d.home });
    await c.call("config.set", { key: "coordinator.agent_kinds", value: ["codex"] });
    m = await checks();
    expect(m.get("coordinator")).toMatchObject({
      status: "fail",
      detail: "agent kind(s) codex configured but not installed here",
      hint: "npm install -g @openai/codex",
    });
    await c.call("config.set", { key: "coordinator.agent_kinds", value: ["claude"] });
    m = await checks();
    expect(m.get("coordinator")).toMatchObject({ status: "ok", detail: `agents claude (default command), repository ${d.home}` });
  });
});
