import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { CheckpointInfo } from "../types.js";
import { CheckpointStore } from "../common/checkpoint-store.js";
import { assertName, timestampName } from "../common/ids.js";
import { runOk, type Runner } from "../common/run.js";

/**
 * A sandbox checkpoint is a copy of the environment's own layer (the overlay's upper
 * dir: only what the environment changed, whiteouts and xattrs kept by `cp -a`), so its
 * size is the size of the changes, not of the checkout.
 */
export class SandboxCheckpoints {
  private readonly store: CheckpointStore<CheckpointInfo>;
  constructor(
    private readonly run: Runner,
    private readonly root: string,
  ) {
    this.store = new CheckpointStore(root);
  }

  dir(env: string): string {
    return this.store.dir(env);
  }

  private layerDir(env: string, name: string): string {
    return path.join(this.store.dir(env), `${name}.layer`);
  }

  async create(env: string, layer: string, base: string, name: string): Promise<CheckpointInfo> {
    const ck = name || timestampName();
    assertName(ck, "checkpoint");
    if (await this.store.exists(env, ck)) throw new SwarmError("CONFLICT", `environment ${env} already has a checkpoint ${ck}`, { hint: "pick another name" });
    await fs.mkdir(this.store.dir(env), { recursive: true });
    const dest = this.layerDir(env, ck);
    await fs.rm(dest, { recursive: true, force: true });
    await runOk(this.run, "cp", ["-a", "--reflink=auto", layer, dest], { what: `saving checkpoint ${ck}` });
    const du = await this.run("du", ["-sb", dest]);
    const bytes = Number(du.stdout.toString().split("\t")[0]) || undefined;
    const info: CheckpointInfo = { name: ck, createdAt: new Date().toISOString(), provider: "sandbox", base, bytes };
    await this.store.save(env, info);
    return info;
  }

  async get(env: string, name: string, base: string): Promise<CheckpointInfo> {
    const info = await this.store.get(env, name);
    CheckpointStore.assertCompatible(info, "sandbox", base);
    return info;
  }

  async restoreInto(env: string, name: string, layer: string): Promise<void> {
    await fs.rm(layer, { recursive: true, force: true });
    await runOk(this.run, "cp", ["-a", "--reflink=auto", this.layerDir(env, name), layer], { what: `restoring checkpoint ${name}` });
  }

  list(env: string): Promise<CheckpointInfo[]> {
    return this.store.list(env);
  }
}
