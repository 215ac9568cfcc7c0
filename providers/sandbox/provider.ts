import { SwarmError } from "../../protocol/errors.js";
import type { DetectResult, EnvHandle, EnvStatus, ExecResult, HostCommand, Provider, ProviderContext, ProviderInfo } from "../types.js";
import { which } from "../common/run.js";

/** Placeholder while the sandbox provider is being written (same interface). */
export class SandboxProvider implements Provider {
  constructor(private readonly ctx: ProviderContext) {}
  info(): ProviderInfo {
    return {
      name: "sandbox",
      summary: "bubblewrap namespaces over a copy-on-write overlay of a shared clone",
      features: { checkpoint: true, copyOnWrite: true, network: ["none", "proxy", "full"], enforcesResources: true, processesOutliveDaemon: false },
    };
  }
  async detect(): Promise<DetectResult> {
    if (!(await which("bwrap"))) return { available: false, reason: "bubblewrap (bwrap) is not installed", installHint: "apt-get install -y bubblewrap" };
    return { available: true, details: { stateDir: this.ctx.stateDir } };
  }
  private todo(): never {
    throw new SwarmError("UNAVAILABLE", "the sandbox provider is not finished yet");
  }
  async create(): Promise<EnvHandle> { return this.todo(); }
  async start(): Promise<EnvHandle> { return this.todo(); }
  async stop(): Promise<EnvHandle> { return this.todo(); }
  async delete(): Promise<void> { return this.todo(); }
  async status(): Promise<EnvStatus> { return this.todo(); }
  async exec(): Promise<ExecResult> { return this.todo(); }
  async ptyCommand(): Promise<HostCommand> { return this.todo(); }
  async copyIn(): Promise<void> { return this.todo(); }
  async copyOut(): Promise<void> { return this.todo(); }
}
