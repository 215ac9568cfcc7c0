import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ADAPTERS, createCustomAdapter } from "../../daemon/runtime/adapters/index.js";
import type { ScreenView } from "../../daemon/runtime/adapters/types.js";
import { answerPlan, menuOf, questionOf } from "../../daemon/runtime/answer.js";
import { inputLineOf, isDraft, lineHolds } from "../../daemon/runtime/input-line.js";
import { newStateMemory, settle } from "../../daemon/runtime/state-detector.js";
import { TerminalModel } from "../../daemon/runtime/terminal-model.js";
import { FAKE_AGENT_RULES } from "../fixtures/fake-agent-rules.js";

const SCREENS = path.resolve(import.meta.dirname, "../fixtures/screens");

/** A recorded screen (plain text: no styles, so nothing reads as faint unless the adapter knows the words). */
function fixture(name: string): ScreenView {
  const meta = JSON.parse(fs.readFileSync(path.join(SCREENS, `${name}.json`), "utf8")) as { cols: number; rows: number; cursor: { x: number; y: number } };
  const lines = fs
    .readFileSync(path.join(SCREENS, `${name}.txt`), "utf8")
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""));
  while (lines.length < meta.rows) lines.push("");
  return { lines, cols: meta.cols, rows: meta.rows, cursor: meta.cursor, altScreen: false, bracketedPaste: true, title: "" };
}

/** A screen drawn by real escape sequences into the daemon's terminal model, read with its cell attributes. */
async function drawn(bytes: string, cols = 60, rows = 8): Promise<ScreenView> {
  const m = new TerminalModel(cols, rows, 0);
  await new Promise<void>((r) => m.write(bytes, r));
  const v = m.styledView();
  m.dispose();
  return v;
}

const RULE = "─".repeat(40);

describe("input lines read from the screen model", () => {
  it("Claude Code: a typed draft in the prompt box is a draft; its dim autosuggestion is not", async () => {
    const draft = inputLineOf(ADAPTERS.claude, fixture("claude/idle-2"));
    expect(draft).toMatchObject({ text: "list the files here", faint: false });
    expect(isDraft(draft)).toBe(true);
    expect(isDraft(inputLineOf(ADAPTERS.claude, fixture("claude/idle-4")))).toBe(false);
    const suggestion = await drawn(`${RULE}\r\n❯\u00a0\x1b[2mfix the lint errors\x1b[22m\r\n${RULE}\r\n  ? for shortcuts\x1b[2;3H`);
    expect(inputLineOf(ADAPTERS.claude, suggestion)).toMatchObject({ text: "fix the lint errors", faint: true });
    expect(isDraft(inputLineOf(ADAPTERS.claude, suggestion))).toBe(false);
    // the same words typed (default colour) are a draft; so is a suggestion half overtyped
    const typed = await drawn(`${RULE}\r\n❯ fix the lint errors\r\n${RULE}\r\n`);
    expect(isDraft(inputLineOf(ADAPTERS.claude, typed))).toBe(true);
    const mixed = await drawn(`${RULE}\r\n❯ fix\x1b[2m the lint errors\x1b[22m\r\n${RULE}\r\n`);
    expect(isDraft(inputLineOf(ADAPTERS.claude, mixed))).toBe(true);
    // a draft over two rows is read whole
    const two = await drawn(`${RULE}\r\n❯ my half-written\r\n  draft here\r\n${RULE}\r\n`);
    expect(inputLineOf(ADAPTERS.claude, two)?.text).toBe("my half-written\ndraft here");
  });

  it("Codex: the composer's draft, its placeholder (dim, or known by its words), not a menu option", async () => {
    expect(inputLineOf(ADAPTERS.codex, fixture("codex/idle-2"))).toMatchObject({ text: "list the files here", faint: false });
    expect(inputLineOf(ADAPTERS.codex, fixture("codex/idle-1"))).toMatchObject({ text: "Ask Codex to do anything", faint: true });
    const dim = await drawn(`\r\n› \x1b[2mSomething new to try\x1b[22m\r\n\r\n  gpt default · /tmp\x1b[2;3H`);
    expect(inputLineOf(ADAPTERS.codex, dim)).toMatchObject({ faint: true });
    // Codex draws some spaces as cursor moves: the cells are blank, the line still reads as words
    const moved = await drawn(`\r\n› task\x1b[2;8Hwhile you work\r\n`);
    expect(lineHolds(inputLineOf(ADAPTERS.codex, moved), "task while you work")).toBe(true);
    expect(inputLineOf(ADAPTERS.codex, fixture("codex/asking_approval-2"))?.text).toBe("list the files here");
  });

  it("Gemini: the input box's placeholder is not a draft, typed text is", () => {
    expect(inputLineOf(ADAPTERS.gemini, fixture("gemini/idle-1"))).toMatchObject({ text: "Type your message or @path/to/file", faint: true });
    const typed = fixture("gemini/idle-1");
    typed.lines = typed.lines.map((l) => l.replace("Type your message or @path/to/file", "my half-written draft     "));
    expect(inputLineOf(ADAPTERS.gemini, typed)).toMatchObject({ text: "my half-written draft", faint: false });
  });

  it("the fake agent: the prompt's row at the cursor (wrapped rows joined), not earlier submitted rows", async () => {
    const fa = createCustomAdapter(FAKE_AGENT_RULES);
    const v = await drawn("> done before\r\nreceived: done before\r\n> \x1b[2mrun the tests\x1b[22m\x1b[3;3H", 30);
    expect(inputLineOf(fa, v)).toMatchObject({ text: "run the tests", faint: true });
    const wrapped = await drawn("> " + "a".repeat(25), 20);
    expect(inputLineOf(fa, wrapped)?.text).toBe("a".repeat(25));
    const busy = await drawn("> done before\r\nreceived: done before\r\n⠋ Working… (0.1s)", 30);
    expect(inputLineOf(fa, busy)).toBeNull();
    // a shell has no reader: null, never a guess
    expect(inputLineOf(ADAPTERS.shell, v)).toBeNull();
  });
});

describe("answers and questions", () => {
  it("menus are answered by moving the selection: no is never Enter on a default Yes", () => {
    const claude = fixture("claude/asking_approval-3");
    expect(questionOf(claude)).toBe("Do you want to proceed?");
    expect(menuOf(claude)?.map((o) => o.label)).toEqual(["Yes", "Yes, and always allow access to build/ from this project", "No"]);
    expect(answerPlan(ADAPTERS.claude, claude, "yes")).toMatchObject({ keys: ["\r"], choice: "1. Yes" });
    expect(answerPlan(ADAPTERS.claude, claude, "no")).toMatchObject({ keys: ["\x1b[B", "\x1b[B", "\r"], choice: "3. No" });
    expect(answerPlan(ADAPTERS.claude, claude, "2").keys).toEqual(["\x1b[B", "\r"]);
    expect(() => answerPlan(ADAPTERS.claude, claude, "4")).toThrow(/options 1–3/);
    expect(() => answerPlan(ADAPTERS.claude, claude, "maybe later")).toThrow(/shows a menu/);
    const codex = fixture("codex/asking_approval-2");
    expect(answerPlan(ADAPTERS.codex, codex, "no")).toMatchObject({ choice: "3. No, and tell Codex what to do differently" });
  });

  it("plain prompts get the adapter's keys; the fake agent's y/n reads one key", () => {
    const v: ScreenView = {
      lines: ["Overwrite config.toml? [y/N]"],
      cols: 80,
      rows: 1,
      cursor: { x: 29, y: 0 },
      altScreen: false,
      bracketedPaste: false,
      title: "",
    };
    expect(answerPlan(ADAPTERS.custom, v, "yes")).toMatchObject({ keys: ["y\r"], question: "Overwrite config.toml? [y/N]" });
    expect(answerPlan(createCustomAdapter(FAKE_AGENT_RULES), v, "no").keys).toEqual(["n"]);
    expect(answerPlan(ADAPTERS.custom, v, "later").keys).toEqual(["later", "\r"]);
  });

  it('the generic detector: only yes/no-shaped questions are approvals ("Name? " waits for input)', () => {
    const at = (line: string): ScreenView => ({
      lines: [line],
      cols: 80,
      rows: 1,
      cursor: { x: line.length, y: 0 },
      altScreen: false,
      bracketedPaste: false,
      title: "",
    });
    const quiet = { msSinceOutput: 5000, exited: false, exitCode: null };
    expect(ADAPTERS.custom.detect(at("Name? "), quiet).state).toBe("waiting_input");
    expect(ADAPTERS.custom.detect(at("Which branch?"), quiet).state).toBe("waiting_input");
    expect(ADAPTERS.custom.detect(at("Overwrite config.toml? [y/N] "), quiet).state).toBe("asking_approval");
    expect(ADAPTERS.custom.detect(at("rm: remove regular file 'x'? "), quiet).state).toBe("asking_approval");
    expect(ADAPTERS.shell.detect(at("Name? "), quiet).state).toBe("waiting_input");
  });
});

describe("states: starting, the not-logged-in screen, no flapping", () => {
  const quiet = { msSinceOutput: 5000, exited: false, exitCode: null };
  it("an agent is starting until one of its screens shows; a blank custom screen for its first 3 s of quiet", () => {
    const blank: ScreenView = { lines: ["", ""], cols: 80, rows: 2, cursor: { x: 0, y: 0 }, altScreen: false, bracketedPaste: false, title: "" };
    const splash = { ...blank, lines: [">_ OpenAI Codex (v0.171.0)", "  booting…"] };
    for (const kind of ["claude", "codex", "gemini"] as const) expect(ADAPTERS[kind].detect(splash, { ...quiet, ready: false }).state).toBe("starting");
    // a blank custom screen is starting just after start, but a silent program (sh -c 'read line') is up after 3 s of quiet
    expect(ADAPTERS.custom.detect(blank, { ...quiet, msSinceOutput: 500, ready: false }).state).toBe("starting");
    expect(ADAPTERS.custom.detect(blank, { ...quiet, msSinceOutput: 3500, ready: false }).state).toBe("idle");
    expect(ADAPTERS.custom.detect(splash, { ...quiet, ready: false }).state).toBe("idle");
    expect(ADAPTERS.codex.detect(fixture("codex/idle-1"), { ...quiet, ready: false }).state).toBe("idle");
    const auth = { ...blank, lines: ["Waiting for authentication... (Press Esc or Ctrl+C to cancel)"] };
    expect(ADAPTERS.gemini.detect(auth, { ...quiet, ready: false })).toMatchObject({ state: "waiting_input", why: /authentication/ });
    expect(ADAPTERS.claude.detect(fixture("claude/waiting_input-3"), quiet).why).toMatch(/Not logged in/);
  });

  it("the echo of typing is not work; an idle/working switch is recorded only once it held", () => {
    const v: ScreenView = { lines: ["x".repeat(80), "yyy"], cols: 80, rows: 2, cursor: { x: 3, y: 1 }, altScreen: false, bracketedPaste: true, title: "" };
    expect(ADAPTERS.custom.detect(v, { ...quiet, msSinceOutput: 50, msSinceHumanInput: 60 }).state).toBe("idle");
    expect(ADAPTERS.custom.detect(v, { ...quiet, msSinceOutput: 50, msSinceHumanInput: 5000 }).state).toBe("working");
    const mem = newStateMemory("idle");
    const working = { state: "working" as const, why: "w" };
    expect(settle(mem, "idle", working, 1000, 300)).toBeNull();
    expect(settle(mem, "idle", working, 1200, 300)).toBeNull();
    expect(settle(mem, "idle", working, 1301, 300)).toEqual(working);
    expect(settle(newStateMemory("working"), "working", { state: "asking_approval", why: "a" }, 0, 300)?.state).toBe("asking_approval");
  });
});
