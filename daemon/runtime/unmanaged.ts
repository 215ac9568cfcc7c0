import type { z } from "zod";
import { SwarmError } from "../../protocol/errors.js";
import type { runtimeHeartbeat, runtimeRegister } from "../../protocol/methods/runtime.js";
import { NO_FEATURES, type AdoptOutcome, type BackendHooks, type BackendInfo, type RuntimeBackend } from "./backend.js";
import { newRow, type RuntimeRow } from "./registry.js";

/**
 * Runtimes swarm observes but does not hold (R-R2 `unmanaged`, e.g. a pane another tool
 * found): registered, kept alive by heartbeats, expired by the heartbeat policy. Only a
 * record: no capability at all, every operation on one is refused through its flags.
 */
export class UnmanagedRuntimes implements RuntimeBackend {
  readonly kind = "unmanaged" as const;

  constructor(private readonly hooks: BackendHooks) {}

  /** Every row no backend holds a terminal for: registered records. */
  owns(row: RuntimeRow): boolean {
    return row.management === "unmanaged" && row.holder_socket === null;
  }

  info(row: RuntimeRow): BackendInfo {
    return {
      backend: "unmanaged",
      managed: false,
      features: { ...NO_FEATURES },
      what: "is a registered record, not a terminal swarm holds (to swarm its terminal is gone)",
      hint: `its owner reports on it with runtime.heartbeat; see \`swarmctl runtime show ${row.name}\``,
    };
  }

  current(): RuntimeRow | undefined {
    return undefined;
  }

  /** Nothing to link to: the record stays, and heartbeats (or their absence) decide its fate. */
  adopt(): Promise<AdoptOutcome> {
    return Promise.resolve("skipped");
  }

  poll(): void {}
  forget(): void {}
  shutdown(): void {}

  register(p: z.output<typeof runtimeRegister.params>): RuntimeRow {
    const existing = this.hooks.registry.get(p.name);
    if (existing && !(existing.management === "unmanaged" || existing.state === "exited" || existing.state === "lost")) {
      throw new SwarmError("CONFLICT", `runtime ${p.name} already exists and is ${existing.state}`, { hint: "pick another name" });
    }
    if (existing) this.hooks.forget(existing);
    const row = newRow({ name: p.name, agent: p.agent, command: p.command, pty_backend: p.pty_backend, management: "unmanaged", state: p.state, why: p.why });
    Object.assign(row, { cwd: p.cwd ?? "", session_id: p.session_id ?? null, pid: p.pid ?? null, target: p.target });
    this.hooks.registry.insert(row);
    this.hooks.ctx.events.append("runtime.registered", p.name, { id: row.id, pty_backend: p.pty_backend, target: p.target });
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
        this.hooks.ctx.events.append("runtime.state", row.name, { id: row.id, state: p.state, previous: row.state, why: patch.why });
      }
    }
    this.hooks.registry.update(row.id, patch);
    return this.hooks.registry.get(p.name)!;
  }

  deregister(name: string): void {
    this.hooks.registry.remove(this.unmanaged(name).id);
    this.hooks.ctx.events.append("runtime.deregistered", name, {});
  }

  private unmanaged(name: string): RuntimeRow {
    const row = this.hooks.registry.get(name);
    if (!row) throw new SwarmError("NOT_FOUND", `no runtime named ${JSON.stringify(name)}`, { hint: "register it first with runtime.register" });
    if (row.management !== "unmanaged") {
      throw new SwarmError("INVALID_ARGUMENT", `runtime ${name} is managed by swarm; heartbeats and deregistration are for unmanaged runtimes`, {
        hint: `stop it with \`swarmctl runtime stop ${name}\``,
      });
    }
    return row;
  }
}
