import fs from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Command } from "commander";
import { parseDuration } from "../../client/index.js";
import { ERROR_KINDS, SwarmError } from "../../protocol/errors.js";
import type { ParamsFor, ResultFor } from "../../client/index.js";
import type { CliContext, CommandGroup } from "../context.js";
import { COLUMNS } from "./ticket-files.js";

type AgentKind = NonNullable<ParamsFor<"runtime.start">["agent"]>;
// Keyed by the protocol's union, so a kind added there fails to compile here. `shell` and `custom` cannot plan.
const PLANNERS: Record<Exclude<AgentKind, "shell" | "custom">, true> = { claude: true, codex: true, aider: true, gemini: true, scripted: true };

interface PlanOpts {
  agent?: string;
  dir: string;
  idleMs: string;
  maxTime: string;
}

function int(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SwarmError("INVALID_ARGUMENT", `${flag} must be a whole number of milliseconds, got ${JSON.stringify(v)}`);
  return n;
}

/** The agent kind that plans: --agent, else the coordinator's default agent kind; only a real agent can plan. */
async function plannerKind(c: CliContext, given: string | undefined): Promise<AgentKind> {
  const kind = given ?? String((await c.call("config.get", { key: "coordinator.default_agent_kind" })).value);
  if (kind in PLANNERS) return kind as AgentKind;
  throw new SwarmError("INVALID_ARGUMENT", `agent kind ${JSON.stringify(kind)} cannot plan${given ? "" : " (it is coordinator.default_agent_kind)"}`, {
    hint: `pass --agent ${Object.keys(PLANNERS).join("|")}`,
  });
}

/** What the planner is told: where to write, the file format, then the spec itself (a ```recipe block in it drives the scripted agent). */
function planPrompt(specFile: string, spec: string): string {
  return [
    `Plan the work in the spec ${specFile} as tickets. Write one Markdown file per ticket into the current directory:`,
    "front matter between `---` lines with `title:` and `depends_on: [ids]` (an id is the file name without .md),",
    "then a body with a `## Acceptance criteria` section listing how to tell the ticket is done. Then exit.",
    "",
    spec,
  ].join("\n");
}

/** Waits for the planner's first prompt, so the multi-line spec goes in as one bracketed paste, not line by line. */
async function waitForPrompt(c: CliContext, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await c.call("runtime.show", { name });
    if (r.state === "idle" || r.state === "waiting_input") return;
    if (r.state === "exited" || r.state === "lost" || Date.now() > deadline) {
      throw new SwarmError("UNAVAILABLE", `planner ${name} never showed its prompt (state ${r.state}: ${r.why})`, { hint: `swarmctl logs ${name}` });
    }
    await delay(100); // polling a remote state with a deadline
  }
}

/** Waits until the planner exits, or stays idle for idleMs after its message was delivered. */
async function waitForPlanner(c: CliContext, name: string, idleMs: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let idleSince: number | null = null;
  for (;;) {
    const r = await c.call("runtime.show", { name });
    if (r.state === "exited" || r.state === "lost") return r.state;
    idleSince = r.state === "idle" ? (idleSince ?? Date.now()) : null;
    if (idleSince !== null && Date.now() - idleSince >= idleMs) return "idle";
    if (Date.now() > deadline) {
      throw new SwarmError("TIMEOUT", `planner ${name} did not finish within ${timeoutMs} ms (state ${r.state})`, {
        hint: `look at it with \`swarmctl attach ${name}\`, or raise --max-time`,
      });
    }
    await delay(200); // polling a remote state with a deadline, not synchronising on time
  }
}

function printResult(c: CliContext, r: ResultFor<"ticket.plan_submit">, planner: string): void {
  if (!r.ok) c.exitCode = ERROR_KINDS.INVALID_ARGUMENT.exitCode;
  if (c.out.json) return c.out.printJson({ planner, ...r });
  if (!r.workflow) {
    for (const p of r.problems)
      c.out.print(`${path.relative(process.cwd(), p.file) || p.file}${p.line ? `:${p.line}` : ""}: ${c.out.fail("error")} ${p.message}`);
    c.out.print(`nothing submitted: ${r.problems.length} problem(s) in ${r.files} file(s) in ${path.relative(process.cwd(), r.dir) || r.dir}`);
    return;
  }
  c.out.print(c.out.ok(`workflow ${r.workflow.workflow.id}: ${r.workflow.tickets.length} ticket(s) submitted (planner ${planner})`));
  c.out.table(
    r.workflow.tickets.map((t) => ({ ...t, deps: t.depends_on.join(",") || "-" })),
    COLUMNS,
  );
}

async function plan(c: CliContext, specArg: string, o: PlanOpts): Promise<void> {
  // flags first: a typo must not cost a planner run
  const idleMs = int(o.idleMs, "--idle-ms");
  const maxMs = parseDuration(o.maxTime, "--max-time");
  const specFile = path.resolve(specArg);
  let spec: string;
  try {
    spec = fs.readFileSync(specFile, "utf8");
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `cannot read the spec ${specFile}: ${(err as Error).message}`);
  }
  const agent = await plannerKind(c, o.agent);
  // A dot-folder inside tickets/: the folder watcher skips it, so no file is synced on its own before the plan is checked as a whole.
  const stamp = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const dir = path.resolve(o.dir, `.plan-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  const name = `plan-${stamp}`;
  await c.call("runtime.start", { name, agent, cwd: dir });
  await waitForPrompt(c, name);
  const sent = await c.call("runtime.send", { name, text: planPrompt(specFile, spec) });
  // not_confirmed: written, only not seen echoed (a fast planner may already have redrawn); the files decide.
  if (sent.status === "refused") {
    throw new SwarmError("CONFLICT", `the spec did not reach planner ${name}: ${sent.status} (${sent.why})`, { hint: `swarmctl attach ${name}` });
  }
  const ended = await waitForPlanner(c, name, idleMs, maxMs);
  if (ended === "idle") await c.call("runtime.stop", { name, timeout_ms: 5000 });
  printResult(c, await c.call("ticket.plan_submit", { dir, name: `plan ${path.basename(specFile)}` }), name);
}

export const register: CommandGroup = (program: Command, ctx) => {
  program
    .command("plan <spec>")
    .description("hand SPEC.md to a planning agent; validate the ticket files it writes as one workflow and submit them all, or report per-file errors")
    .option("--agent <kind>", `planning agent: ${Object.keys(PLANNERS).join(", ")} (default: coordinator.default_agent_kind)`)
    .option("--dir <dir>", "tickets folder the plan is written under (in a .plan-* subfolder)", "tickets")
    .option("--idle-ms <ms>", "an agent idle this long after the spec counts as finished", "5000")
    // not --timeout: that is every command's RPC deadline (a duration), which a planner's hour would stretch
    .option("--max-time <duration>", "give up on the planner after this long, e.g. 30m or 2h", "30m")
    .action(async (spec: string, o: PlanOpts) => plan(ctx(), spec, o));
};
