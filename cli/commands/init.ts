import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import { checkName } from "../../protocol/names.js";
import type { CommandGroup } from "../context.js";

export const PROJECT_FILE = "swarm.json";

function sampleTicket(): string {
  return `---
id: example-hello
title: Say hello
priority: 1
labels: [example]
depends_on: []
approval: true
---
Add a file \`HELLO.md\` at the root of the repository that says hello.

This is a sample ticket created by \`swarmctl init\`. Tickets in this folder are synced
into the queue while the daemon watches the folder; edit or delete this one freely.
`;
}

export const register: CommandGroup = (program, ctx) => {
  program
    .command("init [dir]")
    .description("scaffold a swarm project in DIR (default: .): swarm.json, tickets/ and a sample ticket")
    .option("--name <name>", "project name (default: the folder's name)")
    .option("--provider <p>", "default environment provider for this project", "worktree")
    .option("--force", "overwrite files that already exist")
    .option("--no-watch", "do not ask the daemon to watch the new tickets/ folder")
    .action(async (dir: string | undefined, o: { name?: string; provider: string; force?: boolean; watch: boolean }) => {
      const c = ctx();
      const root = path.resolve(dir ?? ".");
      if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) throw new SwarmError("INVALID_ARGUMENT", `${root} is not a directory`);
      const name = o.name ?? path.basename(root);
      const bad = checkName(name);
      if (bad) throw new SwarmError("INVALID_ARGUMENT", `project ${bad}`, { hint: "pass --name with a valid name" });
      const files: [string, string][] = [
        [PROJECT_FILE, JSON.stringify({ name, default_provider: o.provider, tickets_dir: "tickets" }, null, 2) + "\n"],
        [path.join("tickets", "0001-example-hello.md"), sampleTicket()],
      ];
      const existing = files.map(([f]) => f).filter((f) => fs.existsSync(path.join(root, f)));
      if (existing.length && !o.force) {
        throw new SwarmError("CONFLICT", `already exists: ${existing.join(", ")} in ${root}`, { hint: "pass --force to overwrite" });
      }
      for (const [f, text] of files) {
        fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        fs.writeFileSync(path.join(root, f), text);
      }
      const git = spawnSync("git", ["-C", root, "rev-parse", "--show-toplevel"], { encoding: "utf8" });
      const isRepo = git.status === 0;
      const ticketsDir = path.join(root, "tickets");
      // The sample ticket should show up in the queue right away: have the daemon watch the folder.
      const watched = o.watch ? await c.call("ticket.watch", { dir: ticketsDir }) : null;
      if (c.out.json)
        return c.out.printJson({ project: name, root, files: files.map(([f]) => path.join(root, f)), git_repo: isRepo, watching: watched !== null });
      for (const [f] of files) c.out.print(`${c.out.ok("created")} ${path.join(root, f)}`);
      if (watched) c.out.print(`${c.out.ok("watching")} ${ticketsDir} (${watched.synced} ticket file(s) synced into the queue)`);
      if (!isRepo) c.out.print(c.out.warn(`note: ${root} is not a git repository; environments need one (git init)`));
      c.out.print(`next: swarmctl ticket list · swarmctl env create NAME --repo ${root} · swarm (the TUI)`);
    });
};
