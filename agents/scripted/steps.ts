import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Step } from "./recipe.js";

/** What the steps need from the terminal: a spinner around work, a line of output, a y/n question. */
export interface StepUi {
  work<T>(label: string, fn: () => Promise<T>): Promise<T>;
  print(line: string): void;
  ask(question: string): Promise<boolean>;
}

/** Posts a message in the agent's thread; resolves to a line saying what happened. */
export type ThreadPoster = (text: string) => Promise<string>;

export interface StepContext {
  cwd: string;
  ui: StepUi;
  post: ThreadPoster;
}

/** A step that failed: the recipe stops and the agent exits non-zero (the ticket attempt fails). */
export class StepFailed extends Error {}

/** Outcome of a recipe: finished, stopped by a "no", or an `exit` step. */
export type RecipeOutcome = { kind: "done" } | { kind: "declined"; line: number } | { kind: "exit"; code: number };

/** A path inside the working directory; the scripted agent never writes outside it. */
function inside(cwd: string, file: string, line: number): string {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new StepFailed(`line ${line}: ${file} is outside the working directory ${cwd}`);
  }
  return abs;
}

/** Runs `sh -c command` in cwd; resolves with the exit code and the combined output. */
export function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.stderr.on("data", (b: Buffer) => chunks.push(b));
    child.on("error", (err) => resolve({ code: 127, output: String(err) }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(chunks).toString("utf8") }));
  });
}

function showTail(ui: StepUi, output: string, lines = 8): void {
  const rows = output.replace(/\s+$/, "").split(/\r?\n/).filter(Boolean);
  for (const r of rows.slice(-lines)) ui.print(`  │ ${r}`);
}

// Commits as the agent when the repository has no identity configured (a scratch repo, CI).
const AUTHOR = ["-c", "user.name=scripted agent", "-c", "user.email=scripted-agent@localhost"];

async function commit(ctx: StepContext, message: string, line: number): Promise<void> {
  const git = (args: string[]) => sh(["git", ...args].map(quote).join(" "), ctx.cwd);
  const add = await git(["add", "-A"]);
  if (add.code !== 0) throw new StepFailed(`line ${line}: git add failed: ${add.output.trim()}`);
  const staged = await git(["diff", "--cached", "--quiet"]);
  if (staged.code === 0) return ctx.ui.print("nothing to commit");
  const r = await git([...AUTHOR, "commit", "-q", "-m", message]);
  if (r.code !== 0) throw new StepFailed(`line ${line}: git commit failed: ${r.output.trim()}`);
  const head = await git(["rev-parse", "--short", "HEAD"]);
  ctx.ui.print(`committed ${head.output.trim()} ${message}`);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function runOne(ctx: StepContext, step: Step): Promise<RecipeOutcome | null> {
  const { ui, cwd } = ctx;
  switch (step.op) {
    case "write":
    case "append": {
      const file = inside(cwd, step.path, step.line);
      await ui.work(`${step.op} ${step.path}`, async () => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if (step.op === "write") fs.writeFileSync(file, step.text);
        else fs.appendFileSync(file, step.text);
      });
      ui.print(`${step.op === "write" ? "wrote" : "appended to"} ${step.path} (${Buffer.byteLength(step.text)} bytes)`);
      return null;
    }
    case "replace": {
      const file = inside(cwd, step.path, step.line);
      await ui.work(`edit ${step.path}`, async () => {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
        if (text === null) throw new StepFailed(`line ${step.line}: replace: ${step.path} does not exist`);
        if (!text.includes(step.from)) throw new StepFailed(`line ${step.line}: replace: ${step.path} does not contain ${JSON.stringify(step.from)}`);
        fs.writeFileSync(file, text.replace(step.from, step.to));
      });
      ui.print(`edited ${step.path}`);
      return null;
    }
    case "run": {
      ui.print(`$ ${step.command}`);
      const r = await ui.work(`run ${step.command}`, () => sh(step.command, cwd));
      showTail(ui, r.output);
      if (r.code !== 0) throw new StepFailed(`line ${step.line}: \`${step.command}\` exited with ${r.code}`);
      return null;
    }
    case "commit":
      await ui.work(`commit`, () => commit(ctx, step.message, step.line));
      return null;
    case "ask":
      return (await ui.ask(step.question)) ? null : { kind: "declined", line: step.line };
    case "post":
      ui.print(await ui.work("post to the thread", () => ctx.post(step.text)));
      return null;
    case "say":
      ui.print(step.text);
      return null;
    case "sleep":
      await ui.work("thinking", () => new Promise((r) => setTimeout(r, step.ms)));
      return null;
    case "exit":
      return { kind: "exit", code: step.code };
  }
}

/** Runs the steps in order; a StepFailed (or any error) ends the recipe and propagates. */
export async function runRecipe(ctx: StepContext, steps: Step[]): Promise<RecipeOutcome> {
  for (const step of steps) {
    const outcome = await runOne(ctx, step);
    if (outcome) return outcome;
  }
  return { kind: "done" };
}
