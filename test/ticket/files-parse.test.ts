import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseTicketFile } from "../../daemon/ticket/files/parse.js";
import { lintDir } from "../../daemon/ticket/files/lint.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("ticket file parsing", () => {
  it("reads front matter and body; the file name is the default id; scalars become lists", () => {
    const p = parseTicketFile("---\ntitle: Fix it\npriority: 3\ndepends_on: base\nlabels: bug\napproval: true\n---\n\n# Heading\ntext\n", "/x/fix-it.md");
    expect(p).toEqual({
      ok: true,
      ticket: {
        id: "fix-it",
        title: "Fix it",
        body: "# Heading\ntext",
        priority: 3,
        depends_on: ["base"],
        labels: ["bug"],
        requires_approval: true,
        workspace: "default",
        agent_kind: undefined,
        timeout_ms: undefined,
        max_attempts: undefined,
      },
    });
  });

  it("numbers where text is meant are taken as text", () => {
    const p = parseTicketFile("---\nid: 42\ntitle: 2026\ndepends_on: [7, x]\nlabels: 1\n---\n", "/x/a.md");
    expect(p.ok && p.ticket).toMatchObject({ id: "42", title: "2026", depends_on: ["7", "x"], labels: ["1"] });
  });

  it("reports each problem with what to do, never throws", () => {
    const cases: [string, RegExp][] = [
      ["no front matter at all", /no front matter/],
      ["---\ntitle: a\n", /no front matter/],
      ["---\ntitle: [x\n---\n", /^YAML: /],
      ["---\ntitle: a\nowner: me\n---\n", /unknown front matter key\(s\) owner; allowed: id, title/],
      ["---\ntitle: a\npriority: high\n---\n", /priority/],
      ["---\ntitle: a\npriority: 5000\n---\n", /priority/],
      ["---\nid: ../up\ntitle: a\n---\n", /^id: invalid name/],
      ["---\ntitle: ''\n---\n", /title must not be empty/],
      ["---\n- a list\n---\n", /expected object|front matter/],
    ];
    for (const [text, re] of cases) {
      const p = parseTicketFile(text, "/x/t.md");
      expect(p.ok, text).toBe(false);
      if (!p.ok) expect(p.problems.map((x) => x.message).join("; "), text).toMatch(re);
    }
    const bad = parseTicketFile("---\ntitle: ok\n---\n", "/x/.hidden name.md");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]!.message).toMatch(/taken from the file name/);
  });

  it("lint finds duplicate ids, unknown dependencies and cycles between files", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-lint-"));
    const w = (name: string, text: string) => fs.writeFileSync(path.join(dir!, name), text);
    w("a.md", "---\ntitle: a\ndepends_on: [b]\n---\n");
    w("b.md", "---\ntitle: b\ndepends_on: [a]\n---\n");
    w("c.md", "---\nid: a\ntitle: dup\n---\n");
    w("d.md", "---\ntitle: d\ndepends_on: [ghost, known]\n---\n");
    w("notes.txt", "ignored");
    const r = lintDir(dir, (id) => id === "known");
    expect(r.files).toBe(4);
    const msgs = r.problems.map((p) => `${path.basename(p.file ?? "")}: ${p.message}`);
    expect(msgs).toContain("c.md: id a is also defined by " + path.join(dir, "a.md"));
    expect(msgs).toContain("d.md: depends_on ghost: no ticket or ticket file has that id");
    expect(msgs.some((m) => /cycle: (a → b → a|b → a → b)/.test(m))).toBe(true);
    expect(r.ok).toBe(false);
    expect(() => lintDir(path.join(dir!, "nope"), () => false)).toThrow(/no folder/);
  });
});
