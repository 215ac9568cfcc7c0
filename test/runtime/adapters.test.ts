import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ADAPTERS, adapterFor, createCustomAdapter } from "../../daemon/runtime/adapters/index.js";
import { fakeAgentAdapter } from "../fixtures/fake-agent-rules.js";
import { AGENT_KINDS, type AgentAdapter, type AgentState, type DetectContext, type ScreenView } from "../../daemon/runtime/adapters/types.js";
import { SwarmError } from "../../protocol/errors.js";

const SCREENS = path.resolve(import.meta.dirname, "../fixtures/screens");
const STATES: AgentState[] = ["working", "idle", "waiting_input", "asking_approval", "exited"];

/** Which adapter classifies each fixture folder. */
const FOLDER_ADAPTER: Record<string, AgentAdapter> = {
  shell: ADAPTERS.shell,
  claude: ADAPTERS.claude,
  codex: ADAPTERS.codex,
  aider: ADAPTERS.aider,
  gemini: ADAPTERS.gemini,
  custom: ADAPTERS.custom,
  "fake-agent": fakeAgentAdapter,
};

interface Sidecar {
  source: "recorded" | "written";
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  altScreen: boolean;
  bracketedPaste: boolean;
  title?: string;
  ctx?: Partial<DetectContext>;
}

interface Fixture {
  folder: string;
  file: string;
  expected: AgentState;
  screen: ScreenView;
  ctx: DetectContext;
  source: string;
}

function loadFixture(folder: string, file: string): Fixture {
  const base = path.join(SCREENS, folder, file.replace(/\.txt$/, ""));
  const meta = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as Sidecar;
  const text = fs.readFileSync(`${base}.txt`, "utf8");
  const lines = text
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""));
  while (lines.length < meta.rows) lines.push("");
  const expected = file.replace(/-\d+\.txt$/, "") as AgentState;
  return {
    folder,
    file,
    expected,
    source: meta.source,
    screen: {
      lines,
      cols: meta.cols,
      rows: meta.rows,
      cursor: meta.cursor,
      altScreen: meta.altScreen,
      bracketedPaste: meta.bracketedPaste,
      title: meta.title ?? "",
    },
    ctx: { msSinceOutput: 5000, exited: false, exitCode: null, ...meta.ctx },
  };
}

const fixtures: Fixture[] = Object.keys(FOLDER_ADAPTER).flatMap((folder) =>
  fs
    .readdirSync(path.join(SCREENS, folder))
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => loadFixture(folder, f)),
);

describe("state detectors on recorded and written screens", () => {
  it.each(fixtures.map((f) => [`${f.folder}/${f.file} (${f.source})`, f] as const))("%s", (_name, f) => {
    expect(STATES).toContain(f.expected);
    const got = FOLDER_ADAPTER[f.folder]!.detect(f.screen, f.ctx);
    expect({ state: got.state, file: `${f.folder}/${f.file}` }).toEqual({ state: f.expected, file: `${f.folder}/${f.file}` });
    expect(got.why.length).toBeGreaterThan(5);
  });

  it("has fixtures for every state of every agent", () => {
    const need: Record<string, AgentState[]> = {
      claude: ["idle", "working", "waiting_input", "asking_approval", "exited"],
      codex: ["idle", "working", "waiting_input", "asking_approval", "exited"],
      aider: ["idle", "working", "waiting_input", "asking_approval"],
      gemini: ["idle", "working", "waiting_input", "asking_approval", "exited"],
      shell: ["idle", "working", "waiting_input", "asking_approval"],
      custom: ["idle", "working", "asking_approval"],
      "fake-agent": ["idle", "working", "asking_approval", "exited"],
    };
    for (const [folder, states] of Object.entries(need)) {
      const have = new Set(fixtures.filter((f) => f.folder === folder).map((f) => f.expected));
      expect({ folder, missing: states.filter((s) => !have.has(s)) }).toEqual({ folder, missing: [] });
    }
    // real recordings, not only screens written from docs
    expect(fixtures.filter((f) => f.source === "recorded" && ["claude", "codex", "gemini"].includes(f.folder)).length).toBeGreaterThanOrEqual(30);
  });

  it("every adapter reports exited once the process is gone, whatever the screen shows", () => {
    const busy = fixtures.find((f) => f.folder === "codex" && f.expected === "working")!;
    for (const kind of AGENT_KINDS) {
      const got = ADAPTERS[kind].detect(busy.screen, { msSinceOutput: 0, exited: true, exitCode: 2 });
      expect(got.state).toBe("exited");
      expect(got.why).toContain("exited");
    }
  });

  it("names the rule that fired", () => {
    const f = fixtures.find((x) => x.folder === "claude" && x.file === "asking_approval-1.txt")!;
    expect(ADAPTERS.claude.detect(f.screen, f.ctx).why).toMatch(/^claude: .*trust/i);
    const g = fixtures.find((x) => x.folder === "fake-agent" && x.file === "working-1.txt")!;
    expect(fakeAgentAdapter.detect(g.screen, g.ctx).why).toBe('fake-agent: spinner "Working… (Ns)" at the cursor');
  });
});

describe("start and resume commands", () => {
  const id = "3f9f74a6-6b7c-4a3e-9e1d-2f1f0a9b8c7d";

  it("resumes exactly the given session, never the last one", () => {
    expect(ADAPTERS.claude.resumeCommand(id)).toEqual(["claude", "--resume", id]);
    expect(ADAPTERS.claude.resumeCommand(id, "go on")).toEqual(["claude", "--resume", id, "go on"]);
    expect(ADAPTERS.claude.resumeCommand(id, "go on", { headless: true })).toEqual(["claude", "--print", "--resume", id, "go on"]);
    expect(ADAPTERS.codex.resumeCommand(id, "go on")).toEqual(["codex", "resume", id, "go on"]);
    expect(ADAPTERS.codex.resumeCommand(id, "go on", { headless: true })).toEqual(["codex", "exec", "resume", id, "go on"]);
    expect(ADAPTERS.gemini.resumeCommand(id)).toEqual(["gemini", "--resume", id]);
    expect(ADAPTERS.gemini.resumeCommand(id, "go on", { headless: true })).toEqual(["gemini", "--resume", id, "--prompt", "go on"]);
    expect(ADAPTERS.aider.resumeCommand("task-7")).toEqual([
      "aider",
      "--chat-history-file",
      ".aider.swarm/task-7.chat.history.md",
      "--input-history-file",
      ".aider.swarm/task-7.input.history",
      "--restore-chat-history",
    ]);
    expect(ADAPTERS.shell.resumeCommand(id)).toBeNull();
    expect(ADAPTERS.custom.resumeCommand(id)).toBeNull();
    for (const kind of AGENT_KINDS) {
      const argv = (() => {
        try {
          return ADAPTERS[kind].resumeCommand(id, "p", { headless: true });
        } catch {
          return null;
        }
      })();
      for (const bad of ["--last", "--continue", "-c"]) expect(argv ?? []).not.toContain(bad);
    }
  });

  it("pins the session id at start where the CLI allows it", () => {
    expect(ADAPTERS.claude.pinsSessionId).toBe(true);
    expect(ADAPTERS.claude.startCommand({ sessionId: id, args: ["--model", "opus"] })).toEqual(["claude", "--session-id", id, "--model", "opus"]);
    expect(ADAPTERS.aider.startCommand({ sessionId: "t1" }).slice(0, 3)).toEqual(["aider", "--chat-history-file", ".aider.swarm/t1.chat.history.md"]);
    expect(ADAPTERS.gemini.startCommand({ sessionId: id })).toEqual(["gemini", "--session-id", id]);
    expect(ADAPTERS.codex.pinsSessionId).toBe(false);
    expect(ADAPTERS.codex.startCommand({ args: ["--full-auto"] })).toEqual(["codex", "--full-auto"]);
    expect(ADAPTERS.shell.startCommand({})).toEqual(["bash", "-i"]);
    expect(ADAPTERS.custom.startCommand({ args: ["./agent", "-v"] })).toEqual(["./agent", "-v"]);
  });

  it("rejects bad session ids and missing prompts with errors that say what to do", () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => ADAPTERS.claude.resumeCommand("last"), /must be a UUID/],
      [() => ADAPTERS.codex.resumeCommand("1"), /must be a UUID/],
      [() => ADAPTERS.gemini.resumeCommand("latest"), /must be a UUID/],
      [() => ADAPTERS.claude.startCommand({ sessionId: "abc" }), /must be a UUID/],
      [() => ADAPTERS.aider.resumeCommand("--evil"), /starts with "-"/],
      [() => ADAPTERS.aider.resumeCommand("a b"), /spaces/],
      [() => ADAPTERS.aider.resumeCommand("t1", "go"), /cannot take a prompt/],
      [() => ADAPTERS.codex.resumeCommand(id, undefined, { headless: true }), /needs a prompt/],
      [() => ADAPTERS.custom.startCommand({}), /needs a command/],
      [() => adapterFor("cursor"), /unknown agent kind "cursor"/],
    ];
    for (const [fn, re] of cases) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SwarmError);
      expect((err as SwarmError).kind).toBe("INVALID_ARGUMENT");
      expect((err as SwarmError).message).toMatch(re);
      expect((err as SwarmError).hint).toBeTruthy();
    }
  });

  it("reads the session id the agent printed at exit", () => {
    const claude = fixtures.find((f) => f.folder === "claude" && f.file === "exited-2.txt")!;
    expect(ADAPTERS.claude.findSessionId!(claude.screen)).toBe("cb93981c-39e9-4e47-a7dc-bd30d600a812");
    const codex = fixtures.find((f) => f.folder === "codex" && f.file === "exited-1.txt")!;
    expect(ADAPTERS.codex.findSessionId!(codex.screen)).toBe("01a1ffaa-dc86-7f70-95e5-aac8166cee4f");
    const gemini = fixtures.find((f) => f.folder === "gemini" && f.file === "exited-1.txt")!;
    expect(ADAPTERS.gemini.findSessionId!(gemini.screen)).toBe("49780e5a-dd0f-4786-9844-0db53194f299");
    const idle = fixtures.find((f) => f.folder === "claude" && f.file === "idle-1.txt")!;
    expect(ADAPTERS.claude.findSessionId!(idle.screen)).toBeNull();
  });
});

describe("custom pattern detectors", () => {
  const screen = (lines: string[], x: number): ScreenView => ({
    lines,
    cols: 80,
    rows: lines.length,
    cursor: { x, y: lines.length - 1 },
    altScreen: false,
    bracketedPaste: false,
    title: "",
  });
  const quiet: DetectContext = { msSinceOutput: 5000, exited: false, exitCode: null };

  it("fires the first matching rule, in order, and names it", () => {
    const a = adapterFor("custom", {
      label: "mybot",
      rules: [
        { state: "asking_approval", pattern: "^Proceed\\?$", on: "cursor_line" },
        { state: "working", pattern: "thinking", name: "thinking marker" },
        { state: "idle", pattern: "^mybot> ", on: "cursor_line" },
      ],
    });
    expect(a.detect(screen(["thinking", "Proceed?"], 8), quiet)).toEqual({ state: "asking_approval", why: "mybot: cursor line matches /^Proceed\\?$/" });
    expect(a.detect(screen(["thinking", "mybot> "], 7), quiet)).toEqual({ state: "working", why: "mybot: thinking marker" });
    expect(a.detect(screen(["done", "mybot> "], 7), quiet).state).toBe("idle");
    expect(a.detect(screen(["???"], 3), { ...quiet, msSinceOutput: 10 }).state).toBe("working");
  });

  it("rejects a bad regex or an unknown state", () => {
    expect(() => createCustomAdapter({ rules: [{ state: "idle", pattern: "([" }] })).toThrow(/not a valid regex/);
    expect(() => createCustomAdapter({ rules: [{ state: "sleeping" as "idle", pattern: "x" }] })).toThrow(/unknown state "sleeping"/);
  });
});
