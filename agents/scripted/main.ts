#!/usr/bin/env node
/**
 * The scripted agent: a real terminal program that behaves like a coding agent (prompt,
 * spinner, approval question, bracketed paste) and really works in its working directory,
 * following a recipe (docs/agents.md "The scripted agent"). It ships with swarm so demos,
 * tutorials and CI have real diffs, approvals and bundles without an agent CLI or a model.
 *
 * Usage: node dist/agents/scripted/main.js [--recipe FILE] [--step-ms N] [--banner TEXT]
 *   Each message is worked on in turn: the recipe in its first ```recipe fenced block, else
 *   the --recipe FILE (env SWARM_RECIPE), else it says there is nothing to do.
 *   A failed step prints why and exits 1; a declined question stops the recipe.
 */
import fs from "node:fs";
import { RecipeError, STEP_SYNTAX, extractRecipe, parseRecipe } from "./recipe.js";
import { StepFailed, runRecipe } from "./steps.js";
import { Terminal } from "./terminal.js";
import { threadPoster } from "./thread.js";

interface Options {
  recipeFile: string | null;
  stepMs: number;
  banner: string;
}

const USAGE = `usage: scripted-agent [--recipe FILE] [--step-ms N] [--banner TEXT]

A message is worked on by the recipe in its first \`\`\`recipe fenced block, else by --recipe FILE
(env SWARM_RECIPE). Steps, one per line (# comments):
${Object.values(STEP_SYNTAX)
  .map((s) => `  ${s}`)
  .join("\n")}
`;

function usageError(msg: string): never {
  process.stderr.write(`scripted-agent: ${msg}\n${USAGE}`);
  process.exit(64);
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options {
  const o: Options = { recipeFile: env.SWARM_RECIPE || null, stepMs: 300, banner: "scripted agent (swarm) · type a message, or paste a recipe" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? usageError(`${a} needs a value`);
    if (a === "--recipe") o.recipeFile = value();
    else if (a === "--step-ms") {
      o.stepMs = Number(value());
      if (!Number.isInteger(o.stepMs) || o.stepMs < 0) usageError("--step-ms needs a whole number of milliseconds");
    } else if (a === "--banner") o.banner = value();
    else if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else usageError(`unknown flag ${a}`);
  }
  if (o.recipeFile && !fs.existsSync(o.recipeFile)) usageError(`recipe file ${o.recipeFile} does not exist`);
  return o;
}

const opts = parseArgs(process.argv.slice(2), process.env);
const queue: string[] = [];
let quitting = false;

function quit(code: number): void {
  if (quitting) return;
  quitting = true;
  term.end();
  process.stdout.write("", () => process.exit(code));
}

const term = new Terminal(
  (s) => process.stdout.write(s),
  { onMessage: (t) => enqueue(t), onQuit: () => quit(0) },
  "> ",
  opts.stepMs,
  () => process.stdout.columns,
);

/** The message as received: its first lines and always its last one (what `runtime send` looks for to confirm delivery). */
function echo(message: string): void {
  const lines = message.split(/\r\n|\r|\n/);
  while (lines.length > 1 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const shown = lines.length <= 8 ? lines : [...lines.slice(0, 5), `… ${lines.length - 6} more line(s)`, lines[lines.length - 1]!];
  term.print(`received: ${shown[0]}`);
  for (const l of shown.slice(1)) term.print(`  ${l}`);
}

function recipeFor(message: string): string | null {
  return extractRecipe(message) ?? (opts.recipeFile ? fs.readFileSync(opts.recipeFile, "utf8") : null);
}

async function work(message: string): Promise<void> {
  echo(message);
  const text = recipeFor(message);
  if (text === null) {
    await term.work("reading", () => Promise.resolve());
    term.print("no recipe in this message (a ```recipe block) and no --recipe file: nothing to do");
    return;
  }
  try {
    const steps = parseRecipe(text);
    term.print(`recipe: ${steps.length} step(s)`);
    const outcome = await runRecipe({ cwd: process.cwd(), ui: term, post: threadPoster(process.env) }, steps);
    if (outcome.kind === "exit") return quit(outcome.code);
    term.print(outcome.kind === "declined" ? `stopped: the question on line ${outcome.line} was declined` : "done");
  } catch (err) {
    if (!(err instanceof RecipeError || err instanceof StepFailed)) throw err;
    term.print(`failed: ${err.message}`);
    quit(1);
  }
}

async function drain(): Promise<void> {
  if (term.busy) return;
  term.busy = true;
  while (queue.length > 0 && !quitting) await work(queue.shift()!);
  term.busy = false;
  if (!quitting) term.drawPrompt();
}

function enqueue(text: string): void {
  if (text.trim() === "") return void (term.busy || term.drawPrompt());
  queue.push(text);
  void drain();
}

process.on("SIGHUP", () => process.exit(129));
process.on("SIGTERM", () => process.exit(143));
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => term.feed(chunk));
process.stdin.on("end", () => quit(0));
term.start(opts.banner);
