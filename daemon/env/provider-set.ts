import fs from "node:fs";
import path from "node:path";
import type { ProviderEntry } from "../../protocol/methods/provider.js";
import { SwarmError } from "../../protocol/errors.js";
import { canBuildBase, canClose, type BaseImages, type DetectResult, type EnvHandle, type Provider, type ProviderContext } from "../../providers/types.js";
import type { DaemonContext } from "../context.js";
import { createProviders, PLANNED_PROVIDERS } from "../../providers/registry.js";

/** The providers this daemon runs, each built once with its own state folder. */
export class ProviderSet {
  private readonly byName = new Map<string, Provider>();

  constructor(ctx: DaemonContext, forwardedEnv: (h: EnvHandle) => Record<string, string>) {
    const ctxFor = (name: string): ProviderContext => {
      const stateDir = path.join(ctx.paths.dataDir, "providers", name);
      fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      return { stateDir, logger: ctx.logger.child({ provider: name }), forwardedEnv };
    };
    for (const [name, p] of createProviders(ctxFor)) this.byName.set(name, p);
  }

  private readonly detected = new Map<string, { at: number; result: DetectResult }>();

  /**
   * detect() spawns tools (git --version, bwrap, qemu probes); every exec asking again would
   * add that to each command. A usable provider is re-checked after 30 s, an unusable one after 2 s.
   */
  async detectCached(name: string, p: Provider): Promise<DetectResult> {
    const hit = this.detected.get(name);
    if (hit && Date.now() - hit.at < (hit.result.available ? 30_000 : 2_000)) return hit.result;
    const result = await p.detect().catch((err: Error): DetectResult => ({ available: false, reason: `detect failed: ${err.message}` }));
    this.detected.set(name, { at: Date.now(), result });
    return result;
  }

  /** The provider that builds base images (info().features.baseImage), if this build has one. */
  baseImages(): (Provider & BaseImages) | null {
    return [...this.byName.values()].find(canBuildBase) ?? null;
  }

  /** Daemon shutdown: providers holding in-process resources (info().features.close) release them. */
  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].filter(canClose).map((p) => p.close()));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): Provider | undefined {
    return this.byName.get(name);
  }

  /** The provider, usable on this host, or an error that says why not and how to fix it. */
  async usable(name: string): Promise<Provider> {
    const p = this.byName.get(name);
    if (!p) {
      const planned = PLANNED_PROVIDERS.find((x) => x.name === name);
      if (planned) throw new SwarmError("UNAVAILABLE", `provider ${name} is planned but not yet available`, { hint: "see `swarmctl providers`" });
      throw new SwarmError("INVALID_ARGUMENT", `unknown provider ${JSON.stringify(name)}; known: ${this.names().join(", ")}`, {
        hint: "see `swarmctl providers`",
      });
    }
    const d = await this.detectCached(name, p);
    if (!d.available) {
      throw new SwarmError("UNAVAILABLE", `provider ${name} is not available on this host: ${d.reason ?? "unknown reason"}`, {
        ...(d.installHint ? { hint: d.installHint } : {}),
      });
    }
    return p;
  }

  async describe(): Promise<ProviderEntry[]> {
    const built = await Promise.all(
      [...this.byName.values()].map(async (p): Promise<ProviderEntry> => {
        const info = p.info();
        this.detected.delete(info.name); // `swarmctl providers` always asks afresh
        const d = await this.detectCached(info.name, p);
        return {
          name: info.name,
          summary: info.summary,
          available: d.available,
          planned: false,
          reason: d.available ? null : (d.reason ?? null),
          install_hint: d.installHint ?? null,
          warnings: d.warnings ?? [],
          features: { ...info.features },
          details: d.details ?? null,
        };
      }),
    );
    const planned = PLANNED_PROVIDERS.filter((x) => !this.byName.has(x.name)).map((x): ProviderEntry => ({
      name: x.name,
      summary: x.summary,
      available: false,
      planned: true,
      reason: x.reason,
      install_hint: null,
      warnings: [],
      features: null,
      details: null,
    }));
    return [...built, ...planned];
  }
}
