import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderKeyTable } from "../tui/keys/keymap.js";

/**
 * Refreshes the generated parts of docs/tui.md: the key table (from the keymap) and, given
 * a folder of screen captures written by the tmux smoke test (SWARM_TUI_CAPTURES=DIR), the
 * capture of each view. `node dist/scripts/gen-tui-docs.js [CAPTURES_DIR]`.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = path.join(root, "docs/tui.md");

export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- gen:${name} -->`;
  const end = `<!-- /gen:${name} -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/tui.md has no ${start} … ${end} block`);
  return text.slice(0, a) + `${start}\n${body.trim()}\n${end}` + text.slice(b + end.length);
}

function main(): void {
  let text = fs.readFileSync(file, "utf8");
  text = replaceBlock(text, "keys", renderKeyTable());
  const dir = process.argv[2];
  if (dir) {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".txt"))) {
      const name = `capture:${f.slice(0, -4)}`;
      if (!text.includes(`<!-- gen:${name} -->`)) continue;
      const shot = fs
        .readFileSync(path.join(dir, f), "utf8")
        .split("\n")
        .map((l) => l.trimEnd())
        .join("\n")
        .trimEnd();
      text = replaceBlock(text, name, "```text\n" + shot + "\n```");
    }
  }
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${path.relative(root, file)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
