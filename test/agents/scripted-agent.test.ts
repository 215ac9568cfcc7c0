import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { SCRIPTED_RULES } from "../../daemon/runtime/adapters/scripted.js";
import { runRules } from "../../daemon/runtime/adapters/rules.js";
import type { ScreenView } from "../../daemon/runtime/adapters/types.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { killAll, screen, show, waitExited, waitScreen } from "../runtime/runtime-helpers.js";

function gitRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-scripted-"));
  const git = (...a: string[]) => spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", ...a], { encoding: "utf8" });
  git("init", "-q");
  fs.writeFileSync(path.join(dir, "README.md"), "hello world\n");
  git("add", "-A");
  git("commit", "-q", "-m", "init");
  return dir;
}

const git = (dir: string, ...a: string[]) => spawnSync("git", ["-C", dir, ...a], { encoding: "utf8" }).stdout.trim();

function view(lines: string[], cursorY = lines.length - 1): ScreenView {
  return { lines, cols: 80, rows: 24, cursor: { x: (lines[cursorY] ?? "").length, y: cursorY }, altScreen: false, bracketedPaste: true, title: "" };
}

describe("scripted agent detector", () => {
  const detect = (s: ScreenView) => runRules("scripted", SCRIPTED_RULES, s, { msSinceOutput: 5000, exited: false, exitCode: null });
  it("reads its own screen contract exactly", () => {
    expect(detect(view(["scripted agent (swarm) · type a message", "> "]))).toEqual({ state: "idle", why: 'scripted: prompt "> " at the cursor' });
    expect(detect(view(["received: x", "⠙ Working… (1.2s) write a.md"])).state).toBe("working");
    expect(detect(view(["ship it?", "Allow? (y/n)"])).state).toBe("asking_approval");
    // a quiet screen with none of its patterns is idle by the activity fallback, not working
    expect(detect(view(["received: x", "done", ""], 2)).why).toBe("scripted: no known pattern; output quiet");
  });
});

describe("the scripted agent in a runtime", () => {
  let d: TestDaemon;
  let c: RpcClient;
  let repo: string;
  beforeAll(async () => {
    d = await startDaemon();
    c = await d.client();
    repo = gitRepo();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("follows a pasted recipe: writes, edits, runs, commits, asks, and its states are exact", async () => {
    await c.call("runtime.start", { name: "s1", agent: "scripted", cwd: repo });
    await waitFor("s1 idle at its prompt", async () => (await show(c, "s1")).state === "idle");
    const states: string[] = [];
    const recipe = [
      "Make a change",
      "",
      "```recipe",
      "write docs/a.md <<EOF",
      "first",
      "second",
      "EOF",
      "replace README.md world => there",
      "run test -f docs/a.md && echo found-it",
      "commit add docs/a.md",
      "ask Ship it?",
      "```",
    ].join("\n");
    const poll = setInterval(
      () =>
        void show(c, "s1").then(
          (r) => states.at(-1) !== r.state && states.push(r.state),
          () => {},
        ),
      20,
    );
    try {
      const sent = await swarmctl(d.env, ["--no-autostart", "runtime", "send", "s1", recipe]);
      expect(sent.code, sent.stderr).toBe(0);
      await waitScreen(c, "s1", "the approval question", (t) => t.includes("Ship it?\nAllow? (y/n)"));
      await waitFor("asking_approval", async () => (await show(c, "s1")).state === "asking_approval");
      expect(fs.readFileSync(path.join(repo, "docs/a.md"), "utf8")).toBe("first\nsecond\n");
      expect(fs.readFileSync(path.join(repo, "README.md"), "utf8")).toBe("hello there\n");
      expect(git(repo, "log", "-1", "--format=%s")).toBe("add docs/a.md");
      expect(git(repo, "status", "--porcelain")).toBe("");
      expect((await screen(c, "s1")).lines.join("\n")).toContain("│ found-it");
      // at an approval a send is refused (it would answer by accident): answering is its own verb
      expect((await swarmctl(d.env, ["--no-autostart", "runtime", "send", "s1", "y"])).code).toBe(4);
      const answered = await swarmctl(d.env, ["--no-autostart", "runtime", "answer", "s1", "yes"]);
      expect(answered.code, answered.stderr).toBe(0);
      await waitScreen(c, "s1", "done", (t) => t.includes("approved\ndone\n>"));
      await waitFor("idle again", async () => (await show(c, "s1")).state === "idle");
    } finally {
      clearInterval(poll);
    }
    expect(states).toContain("working");
    expect(states.indexOf("working")).toBeLessThan(states.indexOf("asking_approval"));
  });

  it("a failing step prints why and exits 1; `exit N` ends with N; writes outside the directory are refused", async () => {
    await c.call("runtime.start", { name: "s2", agent: "scripted", cwd: repo });
    await waitFor("s2 idle", async () => (await show(c, "s2")).state === "idle");
    await c.call("runtime.send", { name: "s2", text: "x\n```recipe\nrun exit 7\nsay never\n```" });
    const r = await waitExited(c, "s2");
    expect(r.exit_code).toBe(1);
    const text = (await screen(c, "s2")).lines.join("\n");
    expect(text).toContain("failed: line 1: `exit 7` exited with 7");
    expect(text).not.toMatch(/^never$/m); // the step after the failure did not run

    await c.call("runtime.start", { name: "s3", agent: "scripted", cwd: repo });
    await waitFor("s3 idle", async () => (await show(c, "s3")).state === "idle");
    await c.call("runtime.send", { name: "s3", text: "x\n```recipe\nwrite ../escape.md no\n```" });
    expect((await waitExited(c, "s3")).exit_code).toBe(1);
    expect((await screen(c, "s3")).lines.join("\n")).toMatch(/failed: line 1: \.\.\/escape\.md is outside the working directory/);
    expect(fs.existsSync(path.join(path.dirname(repo), "escape.md"))).toBe(false);

    await c.call("runtime.start", { name: "s4", agent: "scripted", cwd: repo });
    await waitFor("s4 idle", async () => (await show(c, "s4")).state === "idle");
    await c.call("runtime.send", { name: "s4", text: "x\n```recipe\nsay bye\nexit 5\n```" });
    expect((await waitExited(c, "s4")).exit_code).toBe(5);
  });

  it("without a recipe it says there is nothing to do; SWARM_RECIPE=FILE is used for such messages", async () => {
    await c.call("runtime.start", { name: "s5", agent: "scripted", cwd: repo });
    await waitFor("s5 idle", async () => (await show(c, "s5")).state === "idle");
    await c.call("runtime.send", { name: "s5", text: "please fix everything" });
    await waitScreen(c, "s5", "nothing to do", (t) => t.includes("no recipe in this message"));
    const file = path.join(repo, "..", `recipe-${path.basename(repo)}.txt`);
    fs.writeFileSync(file, "write from-file.txt yes\n");
    try {
      await c.call("runtime.start", { name: "s6", agent: "scripted", cwd: repo, vars: { SWARM_RECIPE: file } });
      await waitFor("s6 idle", async () => (await show(c, "s6")).state === "idle");
      await c.call("runtime.send", { name: "s6", text: "go" });
      await waitFor("from-file.txt", () => fs.existsSync(path.join(repo, "from-file.txt")));
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
