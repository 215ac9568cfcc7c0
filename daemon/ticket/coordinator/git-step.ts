import type { ExecResult } from "../../../providers/types.js";

/** Runs argv inside a ticket's environment (its work tree is the default cwd). */
export type EnvExec = (argv: string[]) => Promise<ExecResult>;

const AUTHOR = { name: "swarm", email: "swarm@localhost" };
const OUTPUT_LIMIT = 16 * 1024;

async function git(exec: EnvExec, args: string[], okCodes: number[] = [0]): Promise<ExecResult> {
  const r = await exec(["git", ...args]);
  if (!okCodes.includes(r.exitCode)) {
    const why = (r.stderr.toString("utf8").trim() || r.stdout.toString("utf8").trim()).split("\n")[0] ?? "";
    throw new Error(`git ${args[0]} in the environment failed (exit ${r.exitCode}): ${why}`);
  }
  return r;
}

const text = (r: ExecResult) => r.stdout.toString("utf8").trim();

export async function headSha(exec: EnvExec): Promise<string> {
  return text(await git(exec, ["rev-parse", "HEAD"]));
}

export interface TicketCommit {
  /** The new commit, or null when the agent changed nothing. */
  commit: string | null;
  base: string;
  files: string[];
  diffstat: string;
  /** `git format-patch` of base..HEAD ("" without a commit). */
  patch: string;
}

/**
 * R-T8: everything the agent left in the work tree becomes one commit on the ticket's
 * branch, authored by swarm (the agent's own commits since base stay as they are).
 */
export async function commitTicket(exec: EnvExec, base: string, message: string): Promise<TicketCommit> {
  await git(exec, ["add", "-A"]);
  // exit 1 = there are staged changes
  const staged = await git(exec, ["diff", "--cached", "--quiet"], [0, 1]);
  if (staged.exitCode === 1) {
    const who = `${AUTHOR.name} <${AUTHOR.email}>`;
    await git(exec, ["-c", `user.name=${AUTHOR.name}`, "-c", `user.email=${AUTHOR.email}`, "commit", "-q", "--no-verify", "--author", who, "-m", message]);
  }
  const head = await headSha(exec);
  if (head === base) return { commit: null, base, files: [], diffstat: "", patch: "" };
  const files = text(await git(exec, ["diff", "--name-only", base, head]))
    .split("\n")
    .filter(Boolean);
  const diffstat = text(await git(exec, ["diff", "--stat", base, head]));
  const patch = (await git(exec, ["format-patch", "--stdout", `${base}..${head}`])).stdout.toString("utf8");
  return { commit: head, base, files, diffstat, patch };
}

export interface PrOutcome {
  command: string[];
  exit_code: number;
  output: string;
}

/** The optional PR step: a configured command, run in the environment after the commit. */
export async function runPrStep(exec: EnvExec, command: string[], vars: Record<string, string>): Promise<PrOutcome> {
  const assignments = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  const r = await exec(["env", ...assignments, ...command]);
  const output = (r.stdout.toString("utf8") + r.stderr.toString("utf8")).slice(-OUTPUT_LIMIT);
  return { command, exit_code: r.exitCode, output };
}
