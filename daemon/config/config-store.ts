import fs from "node:fs";
import path from "node:path";
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
  /** the watch on the file while it exists, on its directory while it does not (see watch) */
  private fileWatcher: fs.FSWatcher | null = null;
  private dirWatcher: fs.FSWatcher | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
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
   * Hot reload. While the file exists, `fs.watch` watches it (its inode: no events from the
   * rest of SWARM_HOME, where the database's WAL and the logs change all the time); when it
   * is replaced or removed (a rename, `rm` + write, an atomic save) the watch moves to the new
   * file, or, while there is none, to the directory, looking only at events naming the file.
   * (chokidar rescanned the whole directory on every event there while the file was missing,
   * and lost the file after an `rm` + write: it kept watching the deleted inode.)
   */
  watch(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    this.follow();
  }

  /** Watches the file if it exists, else the directory for its name. */
  private follow(): void {
    if (this.closed) return;
    try {
      this.fileWatcher = fs.watch(this.file, { persistent: false }, (event) => {
        this.reloadSoon();
        if (event !== "rename") return;
        // replaced or removed: this watch is on the old inode
        this.fileWatcher?.close();
        this.fileWatcher = null;
        this.follow();
      });
    } catch {
      this.watchDir(); // no file (ENOENT): wait for its name in the directory
    }
  }

  private watchDir(): void {
    const name = path.basename(this.file);
    this.dirWatcher = fs.watch(path.dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed === name) this.appeared();
    });
    // it may have appeared between the failed file watch and this one
    this.appeared();
  }

  private appeared(): void {
    if (this.closed || !this.dirWatcher || !fs.existsSync(this.file)) return;
    this.dirWatcher.close();
    this.dirWatcher = null;
    this.follow();
    this.reloadSoon();
  }

  /** Reloads once the file has not changed for 50 ms (an editor's save is several writes): one timer however many events. */
  private reloadSoon(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (!this.closed) this.reload();
    }, 50);
    this.settleTimer.unref();
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
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.dirWatcher?.close();
    this.fileWatcher?.close();
  }
}
