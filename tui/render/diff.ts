/** A unified diff split into files, with the line each file starts at (for jumping between files). */
export interface DiffFile {
  path: string;
  status: "modified" | "added" | "deleted" | "renamed";
  start: number;
  adds: number;
  dels: number;
  hunks: number;
}

export interface ParsedDiff {
  lines: string[];
  files: DiffFile[];
}

export function parseDiff(text: string): ParsedDiff {
  const lines = text.replace(/\n$/, "").split("\n");
  const files: DiffFile[] = [];
  let cur: DiffFile | null = null;
  lines.forEach((line, i) => {
    const head = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (head) {
      cur = { path: head[2]!, status: "modified", start: i, adds: 0, dels: 0, hunks: 0 };
      files.push(cur);
      return;
    }
    if (!cur) return;
    if (line.startsWith("new file mode")) cur.status = "added";
    else if (line.startsWith("deleted file mode")) cur.status = "deleted";
    else if (line.startsWith("rename to ")) cur.status = "renamed";
    else if (line.startsWith("@@")) cur.hunks++;
    else if (line.startsWith("+") && !line.startsWith("+++")) cur.adds++;
    else if (line.startsWith("-") && !line.startsWith("---")) cur.dels++;
  });
  return { lines: text === "" ? [] : lines, files };
}

/** How a diff line is coloured. */
export function diffTone(line: string): "add" | "del" | "hunk" | "meta" | "plain" {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff --git") || line.startsWith("index ")) return "meta";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  if (line.startsWith("@@")) return "hunk";
  return "plain";
}

/** The first line of the file after (dir 1) or before (dir -1) the scroll position. */
export function fileJump(files: DiffFile[], scroll: number, dir: 1 | -1): number {
  if (dir === 1) return files.find((f) => f.start > scroll)?.start ?? scroll;
  const before = files.filter((f) => f.start < scroll);
  return before[before.length - 1]?.start ?? 0;
}
