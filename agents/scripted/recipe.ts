/**
 * The scripted agent's recipe language (docs/agents.md "The scripted agent"): one step per
 * line, `#` comments and blank lines ignored, multi-line text as a heredoc (`<<EOF` … `EOF`).
 * Parsing is pure so a bad recipe is refused, naming its line, before any step runs.
 */

export type Step =
  | { op: "write" | "append"; line: number; path: string; text: string }
  | { op: "replace"; line: number; path: string; from: string; to: string }
  | { op: "run"; line: number; command: string }
  | { op: "commit"; line: number; message: string }
  | { op: "ask"; line: number; question: string }
  | { op: "post"; line: number; text: string }
  | { op: "say"; line: number; text: string }
  | { op: "sleep"; line: number; ms: number }
  | { op: "exit"; line: number; code: number };

export class RecipeError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`recipe line ${line}: ${message}`);
  }
}

/** Every step and how it is written: the help text and the error messages use it. */
export const STEP_SYNTAX: Record<Step["op"], string> = {
  write: "write PATH TEXT | write PATH <<EOF … EOF   (create or overwrite a file)",
  append: "append PATH TEXT | append PATH <<EOF … EOF (add to the end of a file)",
  replace: "replace PATH OLD => NEW                     (first occurrence; the file must contain OLD)",
  run: "run COMMAND                                 (sh -c in the working directory; non-zero fails the recipe)",
  commit: "commit MESSAGE                              (git add -A, then one commit)",
  ask: "ask QUESTION                                (waits for y/n; n stops the recipe)",
  post: "post TEXT                                   (a message in the ticket's thread, via the agent bridge)",
  say: "say TEXT                                    (print a line)",
  sleep: "sleep DURATION                              (e.g. 500ms, 2s; shows the spinner)",
  exit: "exit [CODE]                                 (end the program, default 0)",
};

const FENCE = /^```(?:swarm-)?recipe[ \t]*$/;

/** The recipe inside a message: the first ```recipe (or ```swarm-recipe) fenced block; null when there is none. */
export function extractRecipe(message: string): string | null {
  const lines = message.split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => FENCE.test(l.trim()));
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && l.trim() === "```");
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

export function parseDuration(text: string, line: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new RecipeError(line, `sleep needs a duration like 500ms or 2s, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  return Math.round(m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000);
}

function needs(value: string, what: string, op: Step["op"], line: number): string {
  if (!value) throw new RecipeError(line, `${op} needs ${what}: ${STEP_SYNTAX[op]}`);
  return value;
}

interface Cursor {
  lines: string[];
  i: number;
}

/** `PATH <<TAG` takes the lines up to TAG; `PATH TEXT` takes TEXT (a trailing newline added). */
function textArg(rest: string, op: "write" | "append", cur: Cursor, line: number): { path: string; text: string } {
  const m = /^(\S+)(?:\s+(.*))?$/.exec(rest);
  const file = needs(m?.[1] ?? "", "a file path", op, line);
  const arg = m?.[2] ?? "";
  const here = /^<<-?\s*['"]?(\w+)['"]?$/.exec(arg);
  if (!here) return { path: file, text: arg + "\n" };
  const body: string[] = [];
  for (;;) {
    const next = cur.lines[cur.i++];
    if (next === undefined) throw new RecipeError(line, `${op} ${file}: heredoc not closed (no line "${here[1]}")`);
    if (next.trim() === here[1]) break;
    body.push(next);
  }
  return { path: file, text: body.length ? body.join("\n") + "\n" : "" };
}

function parseStep(op: string, rest: string, cur: Cursor, line: number): Step {
  switch (op) {
    case "write":
    case "append":
      return { op, line, ...textArg(rest, op, cur, line) };
    case "replace": {
      const m = /^(\S+)\s+(.+?)\s+=>\s?(.*)$/.exec(rest);
      if (!m) throw new RecipeError(line, `replace needs a path, the old text, => and the new text: ${STEP_SYNTAX.replace}`);
      return { op, line, path: m[1]!, from: m[2]!, to: m[3]! };
    }
    case "run":
      return { op, line, command: needs(rest, "a command", op, line) };
    case "commit":
      return { op, line, message: needs(rest, "a message", op, line) };
    case "ask":
      return { op, line, question: needs(rest, "a question", op, line) };
    case "post":
      return { op, line, text: needs(rest, "the text to post", op, line) };
    case "say":
      return { op, line, text: rest };
    case "sleep":
      return { op, line, ms: parseDuration(needs(rest, "a duration", op, line), line) };
    case "exit": {
      const code = rest === "" ? 0 : Number(rest);
      if (!Number.isInteger(code) || code < 0 || code > 255) throw new RecipeError(line, `exit needs a code 0-255, got ${JSON.stringify(rest)}`);
      return { op, line, code };
    }
    default:
      throw new RecipeError(line, `unknown step ${JSON.stringify(op)}; the steps are ${Object.keys(STEP_SYNTAX).join(", ")}`);
  }
}

/** Parses a whole recipe; throws RecipeError naming the first bad line (1-based, within the recipe). */
export function parseRecipe(text: string): Step[] {
  const cur: Cursor = { lines: text.split(/\r\n|\r|\n/), i: 0 };
  const steps: Step[] = [];
  while (cur.i < cur.lines.length) {
    const line = cur.i + 1;
    const raw = cur.lines[cur.i++]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*)$/.exec(raw)!;
    steps.push(parseStep(m[1]!.toLowerCase(), m[2]!.trim(), cur, line));
  }
  return steps;
}
