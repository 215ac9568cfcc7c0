import fs from "node:fs";
import path from "node:path";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values never reach the log (R-D7). */
const SECRET_KEY = /(secret|token|password|passwd|api[_-]?key|authorization|private[_-]?key|credential)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  setLevel(level: LogLevel): void;
}

interface Sink {
  level: number;
  write(line: string): void;
  /** messages seen recently, for rate-limiting repeated errors */
  recent: Map<string, { at: number; suppressed: number }>;
}

/**
 * JSON-lines logger writing to a file (append, sync so a SIGKILL loses no line).
 * Passed in, never imported as a global. Repeats of the same warning or error within
 * 10 s are counted instead of written.
 */
export function createFileLogger(file: string, level: LogLevel, maxBytes = 10 * 1024 * 1024): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd = fs.openSync(file, "a", 0o600);
  let written = fs.fstatSync(fd).size;
  const sink: Sink = {
    level: LEVELS[level],
    recent: new Map(),
    write(line) {
      if (written > maxBytes) {
        fs.closeSync(fd);
        fs.renameSync(file, file + ".1");
        fd = fs.openSync(file, "a", 0o600);
        written = 0;
      }
      fs.writeSync(fd, line);
      written += Buffer.byteLength(line);
    },
  };
  return makeLogger(sink, {});
}

/** A logger that drops everything; for library code used outside the daemon. */
export function nullLogger(): Logger {
  return makeLogger({ level: 100, recent: new Map(), write() {} }, {});
}

function makeLogger(sink: Sink, base: Record<string, unknown>): Logger {
  const log = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < sink.level) return;
    if (LEVELS[lvl] >= LEVELS.warn) {
      const key = lvl + msg;
      const now = Date.now();
      const seen = sink.recent.get(key);
      if (seen && now - seen.at < 10_000) {
        seen.suppressed++;
        return;
      }
      if (seen?.suppressed) fields = { ...fields, repeated_before: seen.suppressed };
      sink.recent.set(key, { at: now, suppressed: 0 });
      if (sink.recent.size > 1000) sink.recent.clear();
    }
    const entry = { ts: new Date().toISOString(), level: lvl, msg, ...base, ...(fields ? (redact(fields) as object) : {}) };
    sink.write(JSON.stringify(entry) + "\n");
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    child: (fields) => makeLogger(sink, { ...base, ...fields }),
    setLevel: (l) => {
      sink.level = LEVELS[l];
    },
  };
}
