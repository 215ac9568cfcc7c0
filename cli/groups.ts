import type { CommandGroup } from "./context.js";

/**
 * Every top-level command, with a one-line summary. A group's module is imported only
 * when its command is used, so `swarmctl --help` and simple calls start fast.
 */
export const GROUPS: Record<string, { summary: string; load: () => Promise<{ register: CommandGroup }> }> = {
  daemon: { summary: "start, stop, inspect the swarmd daemon", load: () => import("./commands/daemon.js") },
  events: { summary: "print the event log, or follow it live", load: () => import("./commands/events.js") },
  config: { summary: "read, change and validate the config", load: () => import("./commands/config.js") },
  doctor: { summary: "check this host: node, native modules, socket, database, providers", load: () => import("./commands/doctor.js") },
  init: { summary: "scaffold a project: config, tickets/ folder, sample ticket", load: () => import("./commands/init.js") },
  service: { summary: "install swarmd as a systemd user unit or launchd agent", load: () => import("./commands/service.js") },
  verify: { summary: "check a result bundle's manifest, hashes and signed certificate", load: () => import("./commands/verify.js") },
  completion: { summary: "print a shell completion script (bash, zsh, fish)", load: () => import("./commands/completion.js") },
  __complete: { summary: "(internal) completion candidates", load: () => import("./commands/completion.js") },
  ticket: { summary: "submit, list, change tickets; workflows; lint and watch ticket files", load: () => import("./commands/ticket.js") },
  plan: {
    summary: "hand a spec to a planning agent; submit the ticket files it writes as one workflow, or report per-file errors",
    load: () => import("./commands/plan.js"),
  },
  coordinator: {
    summary: "what the ticket coordinator runs and why its queue is not moving: status",
    load: () => import("./commands/coordinator.js"),
  },
  approval: { summary: "list, inspect, approve, reject or clarify approval requests", load: () => import("./commands/approval.js") },
  runtime: {
    summary: "agents in PTYs: start, list, show, stop, kill, send, answer, screen, replay, resume, resize, rm, observe",
    load: () => import("./commands/runtime.js"),
  },
  attach: { summary: "attach this terminal to a runtime (Ctrl-] detaches)", load: () => import("./commands/attach.js") },
  logs: { summary: "print or follow a runtime's recorded output", load: () => import("./commands/logs.js") },
  version: { summary: "print versions of swarmctl and the daemon", load: () => import("./commands/version.js") },
  env: { summary: "create, run in, copy, checkpoint and delete environments", load: () => import("./commands/env.js") },
  providers: { summary: "list environment providers: available here or not, and how to install", load: () => import("./commands/providers.js") },
  secret: { summary: "env vars and secrets forwarded into environments", load: () => import("./commands/secret.js") },
  metrics: { summary: "print the daemon's metrics (Prometheus text, or --json)", load: () => import("./commands/metrics.js") },
  thread: {
    summary: "threads between agents: create, list, show, post, read, ack, status, summary, inspect, trigger, escalate, unblock, override",
    load: () => import("./commands/thread.js"),
  },
  audit: { summary: "the tamper-evident audit log, hash-chained: list, verify", load: () => import("./commands/audit.js") },
  agent: { summary: "signed agent tokens: token, revoke", load: () => import("./commands/agent.js") },
  wake: { summary: "wakes of idle agents with unread messages: list, show, pause, resume, force", load: () => import("./commands/wake.js") },
  mcp: { summary: "the agent bridge: a stdio MCP server over the thread methods (token from SWARM_AGENT_TOKEN)", load: () => import("./commands/mcp.js") },
  vm: { summary: "build and inspect the QEMU microVM base image (init-base, status)", load: () => import("./commands/vm.js") },
};
