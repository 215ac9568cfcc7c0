import type { Command } from "commander";
import type { EnvRecord } from "../../protocol/methods/env.js";
import type { CliContext, CommandGroup } from "../context.js";
import { PROXY_ALLOW_OPTION, copySpec, createParams, requireName, type CreateOpts } from "./env-args.js";
import { registerBulk } from "./env-bulk.js";
import { registerTrash } from "./env-trash.js";
import { runPassthrough, runShell } from "./env-exec.js";
import { withProgress } from "./env-progress.js";

const mem = (mib: number) => (mib === 0 ? "-" : mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`);

function row(e: EnvRecord): Record<string, unknown> {
  return {
    name: e.name,
    project: e.project,
    provider: e.provider,
    state: e.state,
    cpus: e.cpus === 0 ? "-" : e.cpus,
    memory: mem(e.memory_mib),
    net: e.capabilities.net,
    branch: e.branch,
    reason: e.state_reason ?? "",
  };
}

function printEnv(c: CliContext, e: EnvRecord, status?: { state: string; processes?: number; detail?: string } | null): void {
  if (c.out.json) return c.out.printJson(status === undefined ? e : { ...e, status });
  const lines = [
    `name       ${e.name}`,
    `project    ${e.project}`,
    `provider   ${e.provider}`,
    `state      ${e.state}${e.state_reason ? ` (${e.state_reason})` : ""}`,
    `repo       ${e.repo}`,
    `branch     ${e.branch}`,
    `path       ${e.host_path ?? "-"}`,
    `resources  ${e.cpus === 0 ? "shared CPU" : `${e.cpus} vCPU`}, ${e.memory_mib === 0 ? "shared RAM" : mem(e.memory_mib)}${e.capabilities.resources_enforced ? " (enforced)" : ""}`,
    `network    ${e.capabilities.net}${e.capabilities.proxy_allow.length ? ` (allow: ${e.capabilities.proxy_allow.join(", ")})` : ""}`,
    `created    ${e.created_at}`,
    `activity   ${e.last_activity_at}`,
  ];
  if (status)
    lines.push(
      `live       ${status.state}${status.processes !== undefined ? `, ${status.processes} process(es)` : ""}${status.detail ? ` - ${status.detail}` : ""}`,
    );
  c.out.print(lines.join("\n"));
}

function registerLifecycle(env: Command, ctx: () => CliContext): void {
  env
    .command("create")
    .description("create an environment (a checkout on its own branch) and leave it running")
    .argument("<name>", "environment name: letters, digits, - _ . (no leading/trailing ., no .., no .lock ending), at most 63")
    .option("--provider <name>", "worktree | sandbox | vm (default from config env.default_provider)")
    .option("--repo <path>", "git repository (default: this folder's repository)")
    .option("--branch <b>", "branch to create (default swarm/NAME)")
    .option("--base <commit>", "commit-ish the branch starts from (default HEAD)")
    .option("--project <p>", "project (default: the repository folder's name)")
    .option("--cpus <n>", "vCPUs to reserve")
    .option("--memory <size>", "RAM to reserve, e.g. 512M, 4G")
    .option("--net <mode>", "none | proxy | full (default: the most restrictive the provider enforces)")
    .option(...PROXY_ALLOW_OPTION)
    .action(async (name: string, o: CreateOpts) => {
      const c = ctx();
      const params = { ...createParams(o, "env.create"), name: requireName(name) };
      const e = await withProgress(c, [name], () => c.call("env.create", params));
      if (c.out.json) c.out.printJson(e);
      else c.out.print(`${c.out.ok("created")} ${e.name} (${e.provider}, branch ${e.branch}) at ${e.host_path ?? "-"}`);
    });

  env
    .command("list")
    .description("every environment with state, resources and network")
    .option("--project <p>", "only this project")
    .action(async (o: { project?: string }) => {
      const c = ctx();
      const r = await c.call("env.list", o.project ? { project: o.project } : {});
      if (c.out.json) return c.out.printJson(r.envs);
      c.out.table(
        r.envs.map(row),
        ["name", "project", "provider", "state", "cpus", "memory", "net", "branch", "reason"].map((key) => ({ key })),
      );
    });

  for (const verb of ["show", "status"]) {
    env
      .command(verb)
      .description("one environment, with what its provider sees now")
      .argument("<name>")
      .action(async (name: string) => {
        const c = ctx();
        const r = await c.call("env.show", {
          name: requireName(name),
        });
        printEnv(c, r.env, r.status);
      });
  }
}

function registerStartStop(env: Command, ctx: () => CliContext): void {
  env
    .command("start")
    .description("start a stopped environment (refused when it would oversubscribe the host)")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      const e = await withProgress(c, [name], () => c.call("env.start", { name: requireName(name) }));
      if (c.out.json) c.out.printJson(e);
      else c.out.print(`${c.out.ok("running")} ${e.name}`);
    });

  env
    .command("stop")
    .description("stop an environment's processes; its checkout and changes stay")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      const e = await c.call("env.stop", { name: requireName(name) });
      if (c.out.json) c.out.printJson(e);
      else c.out.print(`stopped ${e.name}`);
    });
}

function registerRemoval(env: Command, ctx: () => CliContext): void {
  env
    .command("delete")
    .description("delete an environment; refused with the reason when work would be lost, unless --force")
    .argument("<name>")
    .option("--force", "delete anyway (worktree: it goes to the trash; see restore-deleted)")
    .action(async (name: string, o: { force?: boolean }) => {
      const c = ctx();
      const r = await c.call("env.delete", { name: requireName(name), force: o.force === true });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`deleted ${name}`);
    });

  env
    .command("restore-deleted")
    .description("bring a deleted environment back from its provider's trash")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      const e = await c.call("env.restore_deleted", { name: requireName(name) });
      if (c.out.json) c.out.printJson(e);
      else c.out.print(`${c.out.ok("restored")} ${e.name} at ${e.host_path ?? "-"}`);
    });
  registerTrash(env, ctx);
}

function registerWork(env: Command, ctx: () => CliContext): void {
  env
    .command("run")
    .description("run a command inside an environment; output streams, the exit code is the command's")
    .argument("<name>")
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (name: string, argv: string[]) => {
      const c = ctx();
      c.exitCode = await runPassthrough(c, requireName(name), argv);
    });

  env
    .command("shell")
    .description("an interactive shell (or COMMAND) in a PTY inside the environment, on this terminal")
    .argument("<name>")
    .argument("[command...]", "program to run instead of a login shell")
    .action(async (name: string, argv: string[]) => {
      const c = ctx();
      c.exitCode = await runShell(c, requireName(name), argv);
    });

  env
    .command("cp")
    .description("copy between the host and an environment; one side is NAME:path (relative, stays inside)")
    .argument("<src>")
    .argument("<dst>")
    .action(async (src: string, dst: string) => {
      const c = ctx();
      const spec = copySpec(src, dst);
      await withProgress(c, [spec.name], () => c.call("env.copy", spec));
      if (c.out.json) c.out.printJson({ ok: true, ...spec });
      else c.out.print(`copied ${src} -> ${dst}`);
    });
}

function registerCheckpoints(env: Command, ctx: () => CliContext): void {
  env
    .command("checkpoint")
    .description("save a checkpoint (default name: a UTC timestamp)")
    .argument("<name>")
    .argument("[checkpoint]")
    .action(async (name: string, ckpt: string | undefined) => {
      const c = ctx();
      const r = await c.call("env.checkpoint", { name: requireName(name), ...(ckpt ? { checkpoint: requireName(ckpt) } : {}) });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`checkpoint ${r.name} of ${name} saved`);
    });

  env
    .command("restore")
    .description("restore a checkpoint; refused with the reason when it does not fit this environment")
    .argument("<name>")
    .argument("<checkpoint>")
    .action(async (name: string, ckpt: string) => {
      const c = ctx();
      const e = await c.call("env.restore", { name: requireName(name), checkpoint: requireName(ckpt) });
      if (c.out.json) c.out.printJson(e);
      else c.out.print(`restored ${name} to ${ckpt}`);
    });

  env
    .command("checkpoints")
    .description("list an environment's checkpoints")
    .argument("<name>")
    .action(async (name: string) => {
      const c = ctx();
      const r = await c.call("env.checkpoints", { name: requireName(name) });
      if (c.out.json) return c.out.printJson(r.checkpoints);
      c.out.table(r.checkpoints, [{ key: "name" }, { key: "created_at", header: "created" }, { key: "provider" }, { key: "base" }, { key: "bytes" }]);
    });
}

function registerResources(env: Command, ctx: () => CliContext): void {
  env
    .command("resources")
    .description("host CPU/RAM, overcommit ratios, and what running environments reserve")
    .action(async () => {
      const c = ctx();
      const r = await c.call("env.resources");
      if (c.out.json) return c.out.printJson(r);
      c.out.print(
        `CPU  ${r.used_cpus} of ${r.host_cpus} x ${r.cpu_ratio} vCPU reserved\nRAM  ${r.used_memory_mib} of ${r.host_memory_mib} x ${r.memory_ratio} MiB reserved`,
      );
    });
  env
    .command("disk")
    .description("disk space an environment's files take on the host (measured at most every 30 s)")
    .argument("<name>", "environment name")
    .action(async (name: string) => {
      const c = ctx();
      const r = await c.call("env.disk", { name });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(
        r.bytes === null ? `${name}: cannot be measured (${r.path ?? "no host folder"})` : `${name}: ${(r.bytes / 1048576).toFixed(1)} MiB in ${r.path}`,
      );
    });
}

export const register: CommandGroup = (program: Command, ctx) => {
  const env = program.command("env").description("create, run in, copy to/from, checkpoint and delete environments");
  registerLifecycle(env, ctx);
  registerStartStop(env, ctx);
  registerRemoval(env, ctx);
  registerWork(env, ctx);
  registerCheckpoints(env, ctx);
  registerResources(env, ctx);
  registerBulk(env, ctx);
};
