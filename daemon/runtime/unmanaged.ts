import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { SwarmError } from "../../protocol/errors.js";
import type { runtimeHeartbeat, runtimeRegister } from "../../protocol/methods/runtime.js";
import type { DaemonContext } from "../context.js";
import type { RuntimeRegistry, RuntimeRow } from "./registry.js";

/**
 * Runtimes swarm observes but does not hold (R-R2 `unmanaged`, e.g. a tmux pane found by
 * the tmux adapter): registered, kept alive by heartbeats, expired by the heartbeat policy.
 */
export class UnmanagedRuntimes {
  constructor(
    private readonly ctx: DaemonContext,
    private readonly registry: RuntimeRegistry,
    private readonly forget: (row: RuntimeRow) => void,
  ) {}

  register(p: z.output<typeof runtimeRegister.params>): RuntimeRow {
    const existing = this.registry.get(p.name);
    if (existing && !(existing.management === "unmanaged" || existing.state === "exited" || existing.state === "lost")) {
      throw new SwarmError("CONFLICT", `runtime ${p.name} already exists and is ${existing.state}`, { hint: "pick another name" });
    }
    if (existing) this.forget(existing);
    const now = new Date().toISOString();
    const row: RuntimeRow = {
      id: "rt-" + randomBytes(6).toString("hex"),
      name: p.name,
      environment: null,
      cwd: p.cwd ?? "",
      agent: p.agent,
      command: p.command,
      session_id: p.session_id ?? null,
      pid: p.pid ?? null,
      holder_pid: null,
      holder_socket: null,
      pty_backend: p.pty_backend,
      target: p.target,
      management: "unmanaged",
      state: p.state,
      why: p.why,
      exit_code: null,
      exit_signal: null,
      cols: 0,
      rows: 0,
      bytes_out: 0,
      heartbeat_at: now,
      last_output_at: null,
      last_human_input_at: null,
      created_at: now,
      updated_at: now,
      exited_at: null,
      detector: null,
    };
    this.registry.insert(row);
    this.ctx.events.append("runtime.registered", p.name, { id: row.id, pty_backend: p.pty_backend, target: p.target });
    return row;
  }

  heartbeat(p: z.output<typeof runtimeHeartbeat.params>): RuntimeRow {
    const row = this.unmanaged(p.name);
    if (row.state === "exited") throw new SwarmError("INVALID_TRANSITION", `runtime ${p.name} has exited; register it again`);
    const now = new Date().toISOString();
    const patch: Partial<RuntimeRow> = { heartbeat_at: now };
    if (p.pid !== undefined) patch.pid = p.pid;
    if (p.session_id !== undefined) patch.session_id = p.session_id;
    if (p.state === "exited") Object.assign(patch, { exit_code: p.exit_code ?? null, exited_at: now });
    if (p.state && (p.state !== row.state || (p.why && p.why !== row.why))) {
      Object.assign(patch, { state: p.state, why: p.why ?? "reported by heartbeat" });
      if (p.state !== row.state) {
        this.ctx.events.append("runtime.state", row.name, { id: row.id, state: p.state, previous: row.state, why: patch.why });
      }
    }
    this.registry.update(row.id, patch);
    return this.registry.get(p.name)!;
  }

  deregister(name: string): void {
    this.registry.remove(this.unmanaged(name).id);
    this.ctx.events.append("runtime.deregistered", name, {});
  }

  private unmanaged(name: string): RuntimeRow {
    const row = this.registry.get(name);
    if (!row) throw new SwarmError("NOT_FOUND", `no runtime named ${JSON.stringify(name)}`, { hint: "register it first with runtime.register" });
    if (row.management !== "unmanaged") {
      throw new SwarmError("INVALID_ARGUMENT", `runtime ${name} is managed by swarm; heartbeats and deregistration are for unmanaged runtimes`, {
        hint: `stop it with \`swarmctl runtime stop ${name}\``,
      });
    }
    return row;
  }
}
