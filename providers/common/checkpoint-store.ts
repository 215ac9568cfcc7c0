import fs from "node:fs/promises";
import path from "node:path";
import { SwarmError } from "../../protocol/errors.js";
import type { CheckpointInfo } from "../types.js";

/** Checkpoint metadata as JSON files: `<root>/<env>/<checkpoint>.json`. */
export class CheckpointStore<T extends CheckpointInfo> {
  constructor(private readonly root: string) {}

  dir(env: string): string {
    return path.join(this.root, env);
  }

  async save(env: string, info: T): Promise<void> {
    await fs.mkdir(this.dir(env), { recursive: true });
    const file = path.join(this.dir(env), `${info.name}.json`);
    const tmp = `${file}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(info, null, 2));
    await fs.rename(tmp, file);
  }

  async exists(env: string, name: string): Promise<boolean> {
    return fs.stat(path.join(this.dir(env), `${name}.json`)).then(
      () => true,
      () => false,
    );
  }

  async get(env: string, name: string): Promise<T> {
    const text = await fs.readFile(path.join(this.dir(env), `${name}.json`), "utf8").catch(() => null);
    if (text === null) {
      throw new SwarmError("NOT_FOUND", `environment ${env} has no checkpoint ${name}`, { hint: `list them with: swarmctl env checkpoints ${env}` });
    }
    return JSON.parse(text) as T;
  }

  async list(env: string): Promise<T[]> {
    const files = await fs.readdir(this.dir(env)).catch(() => [] as string[]);
    const all = await Promise.all(
      files.filter((f) => f.endsWith(".json")).map(async (f) => JSON.parse(await fs.readFile(path.join(this.dir(env), f), "utf8")) as T),
    );
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  /** Refuses a checkpoint another provider or another base made. */
  static assertCompatible(info: CheckpointInfo, provider: string, base: string): void {
    if (info.provider !== provider) {
      throw new SwarmError("CONFLICT", `checkpoint ${info.name} was made by provider ${info.provider}, not ${provider}; it cannot be restored here`);
    }
    if (info.base !== base) {
      throw new SwarmError("CONFLICT", `checkpoint ${info.name} was made on base ${info.base}, but this environment is on ${base}; it cannot be restored here`);
    }
  }
}
