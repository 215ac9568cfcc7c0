import { describe, expect, it } from "vitest";
import { swarmctl, tempHome } from "../helpers/daemon.js";

/**
 * `swarmctl --help` names only commands that exist: every group it lists loads and prints its
 * own help; a group's summary that lists subcommands (after a colon, or in parentheses) names
 * only subcommands that group has; the program description names each area with its group.
 * No daemon is needed (help never connects).
 */
const { env } = tempHome("swarm-help-");

/** The entries of a commander "Commands:" section: a name at two spaces' indent (wrapped summaries are indented further). */
function commandsOf(help: string): Map<string, string> {
  const out = new Map<string, string>();
  const section = help.split(/^Commands:\n/m)[1] ?? "";
  let last: string | null = null;
  for (const line of section.split("\n")) {
    const m = /^ {2}(\S+)(?: \[[^\]]*\]| <[^>]*>)*(?: +(.*))?$/.exec(line);
    if (m) {
      last = m[1]!;
      out.set(last, m[2] ?? "");
    } else if (last && /^ {3,}\S/.test(line)) out.set(last, `${out.get(last)} ${line.trim()}`);
    else if (!line.trim()) last = null;
  }
  return out;
}

/** Names a summary claims as subcommands: a comma list after its last colon, or inside parentheses. */
function claimedSubcommands(summary: string): string[] {
  const lists = [...summary.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!);
  const colon = summary.lastIndexOf(": ");
  if (colon >= 0) lists.push(summary.slice(colon + 2).replace(/\([^)]*\)/g, ""));
  return lists.flatMap((l) =>
    l
      .split(/,|\band\b|\bor\b/)
      .map((w) => w.trim())
      .filter(Boolean),
  );
}

describe("swarmctl --help", () => {
  it("lists groups that exist, each with the subcommands its summary names", async () => {
    const top = await swarmctl(env, ["--help"]);
    expect(top.code, top.stderr).toBe(0);
    const groups = commandsOf(top.stdout);
    groups.delete("help");
    expect(groups.size).toBeGreaterThan(10);
    let checked = 0;
    for (const [group, summary] of groups) {
      const r = await swarmctl(env, [group, "--help"]);
      expect(r.code, `${group} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout, group).toMatch(new RegExp(`^Usage: swarmctl ${group} `, "m"));
      const subs = commandsOf(r.stdout);
      if (subs.size === 0) continue; // a command on its own: its summary is prose
      const names = new Set([...subs.keys()].flatMap((k) => k.split("|")));
      for (const claimed of claimedSubcommands(summary)) {
        expect(names, `"swarmctl ${group}" summary "${summary}" names ${claimed}`).toContain(claimed);
        checked++;
      }
    }
    expect(checked, "summaries that list subcommands (runtime, vm)").toBeGreaterThan(5);
  }, 120_000);

  it("the description names each area by a group that is listed", async () => {
    const top = await swarmctl(env, ["--help"]);
    const description = top.stdout.split("\n\n")[1]!;
    const groups = commandsOf(top.stdout);
    const named = [...description.matchAll(/\(([a-z-]+)\)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const g of named) expect(groups.has(g), `description names ${g}`).toBe(true);
    // areas by their plain word (the trial's help said "threads" before any thread command existed)
    for (const [word, group] of [
      ["environments", "env"],
      ["agents", "runtime"],
      ["tickets", "ticket"],
      ["threads", "thread"],
    ] as const)
      if (description.includes(word)) expect(groups.has(group), `description says ${word}; is there a "${group}" command?`).toBe(true);
  }, 30_000);
});
