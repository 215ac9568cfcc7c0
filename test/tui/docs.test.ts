import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderKeyTable } from "../../tui/keys/keymap.js";
import { ROOT } from "../helpers/daemon.js";

describe("docs/tui.md", () => {
  it("has the key table generated from the keymap (refresh: node dist/scripts/gen-tui-docs.js)", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/tui.md"), "utf8");
    expect(doc).toContain(`<!-- gen:keys -->\n${renderKeyTable().trim()}\n<!-- /gen:keys -->`);
  });
  it("shows a capture of every view", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/tui.md"), "utf8");
    for (const v of ["agents", "agents-zoomed", "tickets", "approvals-diff", "threads-messages", "events", "envs", "coordinator", "agents-80x24"]) {
      expect(doc, v).toMatch(new RegExp(`<!-- gen:capture:${v} -->\\n\`\`\`text\\nswarm ● connected`));
    }
  });
});
