import fs from "node:fs";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { checkConfigFile, readRawConfig } from "../../protocol/config/file.js";
import { parseConfig, type Config, type ConfigProblem } from "../../protocol/config/schema.js";
import { SwarmError } from "../../protocol/errors.js";

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid config ${file}:\n` + problems.map((p) => `  ${p.key}: ${p.message}`).join("\n"));
  }
}

export function loadConfigFile(file: string): Config {
  const { config, problems } = checkConfigFile(file);
  if (!config) throw new ConfigError(file, problems);
  return config;
}

export function getPath(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split(".")) {
    if (typeof cur !== "object" || cur === null || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/**
 * The config in force. Hot-reloads on change; an invalid edit keeps the previous config
 * and is reported (never silently replaced by defaults).
 */
export class ConfigStore {
  private current: Config;
  private watcher: FSWatcher | null = null;
  /** the directory watch while the file does not exist (see watch) */
  private dirWatcher: fs.FSWatcher | null = null;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly hooks: { onReload(c: Config): void; onInvalid(problems: ConfigProblem[]): void },
  ) {
    this.current = loadConfigFile(file);
  }

  get(): Config {
    return this.current;
  }

  /**
   * Hot reload. While the file exists, chokidar watches it. While it does not, chokidar
   * would watch the whole directory (SWARM_HOME, where the database's WAL and the logs
   * change all the time) and rescan it on every event; instead a plain directory watch
   * looks only at events naming the file, and hands over to the file watch once it appears.
   */
  watch(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    if (fs.existsSync(this.file)) this.watchFile();
    else this.watchDir();
  }

  private watchFile(): void {
    this.watcher = watch(this.file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 20 } });
    this.watcher.on("change", () => this.reload());
    this.watcher.on("unlink", () => {
      // gone: back to waiting for its name in the directory (and to the defaults, with a reload)
      void this.watcher?.close();
      this.watcher = null;
      this.reload();
      if (!this.closed) this.watchDir();
    });
  }

  private watchDir(): void {
    const name = path.basename(this.file);
    this.dirWatcher = fs.watch(path.dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed !== name || !fs.existsSync(this.file) || this.closed) return;
      this.dirWatcher?.close();
      this.dirWatcher = null;
      this.watchFile();
      // a file written in several steps: read it once it has settled, as chokidar's awaitWriteFinish would
      this.whenSettled(() => this.reload());
    });
  }

  private whenSettled(then: () => void, lastSize = -1): void {
    setTimeout(() => {
      if (this.closed) return;
      const size = fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? -1;
      if (size === lastSize) then();
      else this.whenSettled(then, size);
    }, 50).unref();
  }

  reload(): void {
    try {
      const next = loadConfigFile(this.file);
      if (JSON.stringify(next) === JSON.stringify(this.current)) return;
      this.current = next;
      this.hooks.onReload(next);
    } catch (err) {
      if (err instanceof ConfigError) this.hooks.onInvalid(err.problems);
      else throw err;
    }
  }

  /** Validates the whole file with the change applied, then writes it atomically. */
  set(key: string, value: unknown): Config {
    const r = readRawConfig(this.file);
    if ("problems" in r) {
      throw new SwarmError("INVALID_ARGUMENT", `the config file ${this.file} is broken; fix it first`, {
        details: { problems: r.problems },
      });
    }
    const raw = structuredClone(r.raw);
    setPath(raw, key, value);
    const parsed = parseConfig(raw);
    if (!parsed.ok) {
      throw new SwarmError("INVALID_ARGUMENT", `refused: ${parsed.problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`, {
        details: { problems: parsed.problems },
        hint: "docs/config.md lists every key and what it allows",
      });
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(raw, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.current = parsed.config;
    this.hooks.onReload(parsed.config);
    return parsed.config;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dirWatcher?.close();
    await this.watcher?.close();
  }
}
