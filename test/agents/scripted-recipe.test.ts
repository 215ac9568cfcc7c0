import { describe, expect, it } from "vitest";
import { RecipeError, extractRecipe, parseRecipe } from "../../agents/scripted/recipe.js";

describe("scripted agent recipes", () => {
  it("parses every step, heredocs and inline text, skipping comments and blank lines", () => {
    const steps = parseRecipe(
      [
        "# a comment",
        "write notes/a.md hello world",
        "append notes/a.md <<EOF",
        "  indented kept",
        "second",
        "EOF",
        "",
        "replace notes/a.md hello => goodbye",
        "run npm test -- --quiet",
        "commit notes: a",
        "ask Push the branch?",
        "post working on it",
        "say hi there",
        "sleep 250ms",
        "sleep 1.5s",
        "exit 3",
      ].join("\n"),
    );
    expect(steps).toEqual([
      { op: "write", line: 2, path: "notes/a.md", text: "hello world\n" },
      { op: "append", line: 3, path: "notes/a.md", text: "  indented kept\nsecond\n" },
      { op: "replace", line: 8, path: "notes/a.md", from: "hello", to: "goodbye" },
      { op: "run", line: 9, command: "npm test -- --quiet" },
      { op: "commit", line: 10, message: "notes: a" },
      { op: "ask", line: 11, question: "Push the branch?" },
      { op: "post", line: 12, text: "working on it" },
      { op: "say", line: 13, text: "hi there" },
      { op: "sleep", line: 14, ms: 250 },
      { op: "sleep", line: 15, ms: 1500 },
      { op: "exit", line: 16, code: 3 },
    ]);
  });

  it.each([
    ["frobnicate x", /recipe line 1: unknown step "frobnicate"; the steps are write, append/],
    ["write", /recipe line 1: write needs a file path/],
    ["write a.md <<EOF\nno end", /recipe line 1: write a.md: heredoc not closed \(no line "EOF"\)/],
    ["\n\nsleep soon", /recipe line 3: sleep needs a duration like 500ms or 2s, got "soon"/],
    ["replace a.md no arrow", /recipe line 1: replace needs a path, the old text, => and the new text/],
    ["exit 300", /recipe line 1: exit needs a code 0-255/],
    ["run", /recipe line 1: run needs a command/],
  ])("refuses %j naming the line and what to write", (text, message) => {
    expect(() => parseRecipe(text)).toThrow(RecipeError);
    expect(() => parseRecipe(text)).toThrow(message);
  });

  it("finds the first ```recipe (or ```swarm-recipe) block in a message, null when there is none", () => {
    expect(extractRecipe("Title\n\nbody\n```recipe\nwrite a b\n```\n```recipe\nexit 1\n```")).toBe("write a b");
    expect(extractRecipe("x\n```swarm-recipe\nsay a\nsay b\n```")).toBe("say a\nsay b");
    expect(extractRecipe("```sh\nwrite a b\n```")).toBeNull();
    expect(extractRecipe("no fences")).toBeNull();
  });
});
