import { describe, expect, it } from "vitest";
import { filesInDiff } from "../../daemon/approval/diff.js";

describe("filesInDiff: the files a diff given as text touches", () => {
  it("reads git headers: modified, added, deleted, renamed", () => {
    const diff = [
      "diff --git a/src/a.ts b/src/a.ts",
      "--- a/src/a.ts",
      "+++ b/src/a.ts",
      "diff --git a/new.md b/new.md",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/new.md",
      "diff --git a/gone.txt b/gone.txt",
      "deleted file mode 100644",
      "--- a/gone.txt",
      "+++ /dev/null",
      "diff --git a/old/name.ts b/new/name.ts",
      "similarity index 100%",
      "rename from old/name.ts",
      "rename to new/name.ts",
    ].join("\n");
    expect(filesInDiff(diff)).toEqual(["gone.txt", "new.md", "new/name.ts", "src/a.ts"]);
  });

  it("reads plain unified diffs (diff -u) by their ---/+++ lines, a deletion by its old side", () => {
    const diff = ["--- a/x.c\t2026-01-01", "+++ b/x.c\t2026-01-02", "@@ -1 +1 @@", "-1", "+2", "--- y.c", "+++ /dev/null", "@@ -1 +0,0 @@", "-y"].join("\n");
    expect(filesInDiff(diff)).toEqual(["x.c", "y.c"]);
  });

  it("nothing to read: no files", () => {
    expect(filesInDiff("")).toEqual([]);
    expect(filesInDiff("just a note, not a diff")).toEqual([]);
  });
});
