import fs from "node:fs";
import path from "node:path";
import type { RpcClient } from "../../client/index.js";
import { describe, expect, it } from "vitest";
import { swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { FAKE_AGENT_RULES as RULES } from "../fixtures/fake-agent-rules.js";
import { FAKE_AGENT, show, waitScreen, useDaemon } from "./runtime-helpers.js";

/**
 * Issue 11, defects 1 and 2 against the fake agent's hazards: a send never answers an
 * approval prompt and never types into someone's draft; answering is its own verb.
 */

type SendRes = { status: string; why: string; paste: boolean; ms: number; forced?: { draft?: string; human_ms?: number } };

const logLines = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

async function startFake(c: RpcClient, d: TestDaemon, name: string, args: string[]): Promise<string> {
  const log = path.join(d.home, `${name}.log`);
  await c.call("runtime.start", { name, command: [FAKE_AGENT, "--log", log, ...args], cwd: d.home, agent: "custom", detector: RULES });
  await waitScreen(c, name, "the prompt", (t) => /^>( |$)/m.test(t));
  await waitFor(`${name} idle`, async () => (await show(c, name)).state === "idle");
  return log;
}

describe("runtime.send refuses what it must not do", () => {
  let d: TestDaemon;
  useDaemon((started) => (d = started));

  it("at an approval menu whose Enter means Yes: CONFLICT (exit 4) naming the state and question, nothing written; answer no picks No", async () => {
    const c = await d.client();
    const log = await startFake(c, d, "menu", ["--approval-menu", "--work-ms", "0"]);
    const first = await c.call<SendRes>("runtime.send", { name: "menu", text: "clean the build" });
    expect(first.status).toBe("delivered");
    await waitFor("asking approval", async () => (await show(c, "menu")).state === "asking_approval");
    const before = (await c.call<{ lines: string[] }>("runtime.screen", { name: "menu" })).lines.join("\n");
    const r = await swarmctl(d.env, ["runtime", "send", "menu", "no, do not delete anything"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/asking_approval/);
    expect(r.stderr).toMatch(/Allow running the command\?/);
    expect(r.stderr).toMatch(/runtime answer menu/);
    // nothing was typed: the menu is untouched, nothing approved, the agent got no second message
    const after = (await c.call<{ lines: string[] }>("runtime.screen", { name: "menu" })).lines.join("\n");
    expect(after).toBe(before);
    expect(after).not.toMatch(/approved/);
    expect(logLines(log)).toEqual(["clean the build"]);
    const json = await c.call("runtime.send", { name: "menu", text: "still no" }).catch((e: Error & { data?: unknown }) => e);
    expect(String(json)).toMatch(/CONFLICT|asking_approval/);

    const a = await swarmctl(d.env, ["runtime", "answer", "menu", "no"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/2\. No/);
    await waitScreen(c, "menu", "denied", (t) => t.includes("denied"));
    expect((await c.call<{ lines: string[] }>("runtime.screen", { name: "menu" })).lines.join("\n")).not.toMatch(/approved/);
    const { entries } = await c.call<{ entries: { action: string; subject: string; details: Record<string, unknown> }[] }>("audit.list", {});
    const answered = entries.find((e) => e.action === "runtime.answered" && e.subject === "menu");
    expect(answered?.details).toMatchObject({ choice: "2. No", question: "Allow running the command?" });
    await waitFor("menu idle", async () => (await show(c, "menu")).state === "idle");
    const again = await swarmctl(d.env, ["runtime", "answer", "menu", "yes"]);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/asks no question/);
  }, 60_000);

  it("over a draft: CONFLICT, the draft intact; a dim autosuggestion is no draft; --force goes over it, audited", async () => {
    const c = await d.client();
    const log = await startFake(c, d, "draft", ["--work-ms", "0", "--suggest", "run the tests"]);
    const ok = await c.call<SendRes>("runtime.send", { name: "draft", text: "over the suggestion" });
    expect(ok.status).toBe("delivered");
    await waitFor("first logged", () => logLines(log).length === 1);
    await waitScreen(c, "draft", "the prompt back", (t) => /^> run the tests$/m.test(t));
    await c.call("runtime.input", { name: "draft", data: "my half-written dra" });
    await waitScreen(c, "draft", "the draft", (t) => t.includes("> my half-written dra"));
    const r = await swarmctl(d.env, ["runtime", "send", "draft", "hello"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/input line holds text that is not ours/);
    expect(r.stderr).toMatch(/my half-written dra/);
    expect(r.stderr).toMatch(/--force/);
    const screen = (await c.call<{ lines: string[] }>("runtime.screen", { name: "draft" })).lines;
    expect(screen.filter((l) => l.startsWith("> ")).at(-1)).toBe("> my half-written dra");
    expect(logLines(log)).toEqual(["over the suggestion"]);
    const forced = await c.call<SendRes>("runtime.send", { name: "draft", text: "ft", force: true });
    expect(forced.status).toBe("delivered");
    expect(forced.forced?.draft).toBe("my half-written dra");
    await waitFor("forced logged", () => logLines(log).length === 2);
    expect(logLines(log)[1]).toBe("my half-written draft");
    const { entries } = await c.call<{ entries: { action: string; subject: string; details: Record<string, unknown> }[] }>("audit.list", {});
    expect(entries.find((e) => e.action === "runtime.send.forced" && e.subject === "draft")?.details).toMatchObject({ draft: "my half-written dra" });
  }, 60_000);

  it("while a person types (the quiet window), even with an empty line: CONFLICT; --force overrides", async () => {
    const c = await d.client();
    const log = await startFake(c, d, "typing", ["--work-ms", "0"]);
    // a person typed and cleared the line (Ctrl-C): nothing on screen, but they are at the keyboard
    await c.call("runtime.input", { name: "typing", data: "ab\x03", human: true });
    const r = await swarmctl(d.env, ["runtime", "send", "typing", "hello"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/a person typed into it/);
    const forced = await swarmctl(d.env, ["runtime", "send", "--force", "typing", "hello"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/forced over a person's typing/);
    await waitFor("logged", () => logLines(log).includes("hello"));
  }, 60_000);
});
