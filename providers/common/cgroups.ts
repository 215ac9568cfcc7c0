import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { pollUntil } from "../../protocol/wait.js";

export interface Limits {
  /** 0 = no memory limit (the group still counts and kills what is in it) */
  memoryMiB: number;
  pidsMax: number;
  /** CPU quota in CPUs (fractions allowed); 0 = none. Applied where a cpu controller is writable. */
  cpus: number;
}

/**
 * Per-environment memory and pids limits. cgroup v1 (a controller per hierarchy, as on
 * this host's hybrid layout) or v2 (one hierarchy with memory and pids enabled); null
 * when neither is writable, and the provider says so instead of pretending.
 */
export interface Cgroups {
  kind: "v1" | "v2";
  /** creates the group(s) with the limits; returns the cgroup.procs files to join */
  create(env: string, limits: Limits): Promise<string[]>;
  procs(env: string): Promise<number[]>;
  /** the group folders of one environment (whether they exist or not) */
  dirs(env: string): string[];
  /**
   * Removes the group(s), killing what is still in them. Returns what could not be removed
   * (each entry names the folder, why, and the pids left), empty when all went.
   */
  remove(env: string): Promise<string[]>;
}

/**
 * `sh -c` arguments that put the shell into the groups and then exec argv, so the
 * command and everything it starts are limited from their first instruction.
 */
export function joinAndExec(procsFiles: string[], argv: string[], label: string): { file: string; args: string[] } {
  const join = procsFiles.map((f) => `echo $$ > '${f.replace(/'/g, "'\\''")}' && `).join("");
  // a missing command exits 127 with a plain message (sh's own says "exec: x: not found")
  const found = `{ command -v "$1" >/dev/null 2>&1 || { printf '%s: command not found\\n' "$1" >&2; exit 127; }; }`;
  return { file: "/bin/sh", args: ["-c", `${join}${found} && exec "$@"`, label, ...argv] };
}

const V1 = "/sys/fs/cgroup";
const writable = (p: string) => {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

export function detectCgroups(prefix = "swarm"): { cgroups: Cgroups | null; reason?: string } {
  if (writable(`${V1}/memory`) && writable(`${V1}/pids`) && fs.existsSync(`${V1}/memory/memory.limit_in_bytes`)) {
    return { cgroups: new CgroupsV1(prefix) };
  }
  const controllers = readOr(`${V1}/cgroup.controllers`);
  if (controllers !== null) {
    const has = controllers.split(/\s+/);
    if (has.includes("memory") && has.includes("pids") && writable(V1)) return { cgroups: new CgroupsV2(prefix) };
    return { cgroups: null, reason: `cgroup v2 at ${V1} lacks a writable memory+pids controller (has: ${controllers.trim() || "none"})` };
  }
  return {
    cgroups: null,
    reason: `no writable cgroup memory and pids controllers under ${V1} (run the daemon as root, or with a delegated cgroup v2 subtree)`,
  };
}

function readOr(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null;
  }
}

async function readPids(file: string): Promise<number[]> {
  const t = await fsp.readFile(file, "utf8").catch(() => "");
  return t.split("\n").filter(Boolean).map(Number);
}

/**
 * rmdir a cgroup once its processes are gone (the kernel refuses while any remain, or while
 * it has child groups). Gives up after about a second and says why instead of leaving it silently.
 */
async function rmdirWhenEmpty(dir: string): Promise<string | null> {
  let last = "";
  /** "removed", an error to report, or false to try again (busy: SIGKILL what is left) */
  const attempt = async (): Promise<{ error: string | null } | false> => {
    try {
      await fsp.rmdir(dir);
      return { error: null };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { error: null };
      if (code !== "EBUSY") return { error: `${dir}: ${(e as Error).message}` };
      last = (e as Error).message;
      for (const pid of await readPids(path.join(dir, "cgroup.procs"))) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      return false;
    }
  };
  // the kernel frees the group asynchronously after the last exit: retry for about a second
  const done = await pollUntil(attempt, { timeoutMs: 1_000, everyMs: 20 });
  if (done) return done.error;
  const pids = await readPids(path.join(dir, "cgroup.procs"));
  const children = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
  const what = [
    pids.length ? `pid ${pids.slice(0, 5).join(", ")} survived SIGKILL` : "",
    children.length ? `child group(s) ${children.join(", ")}` : "",
  ].filter(Boolean);
  return `${dir} is still in use after 1 s (${what.join("; ") || last})`;
}

/** The pids in the groups at `dirs` that exist; null when none of them exists. */
export async function leftoverGroup(dirs: string[]): Promise<{ dirs: string[]; pids: number[] } | null> {
  const there = dirs.filter((d) => fs.existsSync(d));
  if (there.length === 0) return null;
  const pids = new Set<number>();
  for (const d of there) for (const p of await readPids(path.join(d, "cgroup.procs"))) pids.add(p);
  return { dirs: there, pids: [...pids].sort((a, b) => a - b) };
}

class CgroupsV1 implements Cgroups {
  readonly kind = "v1";
  constructor(private readonly prefix: string) {}
  private dir(ctrl: string, env: string) {
    return path.join(V1, ctrl, this.prefix, env);
  }
  async create(env: string, l: Limits): Promise<string[]> {
    const pids = this.dir("pids", env);
    await fsp.mkdir(pids, { recursive: true });
    await fsp.writeFile(path.join(pids, "pids.max"), String(l.pidsMax));
    const files = [path.join(pids, "cgroup.procs")];
    if (l.memoryMiB > 0) {
      const mem = this.dir("memory", env);
      await fsp.mkdir(mem, { recursive: true });
      await fsp.writeFile(path.join(mem, "memory.limit_in_bytes"), String(l.memoryMiB * 1024 * 1024));
      // without swap accounting the limit could be dodged by swapping; set it where the kernel has it
      await fsp.writeFile(path.join(mem, "memory.memsw.limit_in_bytes"), String(l.memoryMiB * 1024 * 1024)).catch(() => undefined);
      files.push(path.join(mem, "cgroup.procs"));
    }
    if (l.cpus > 0 && writable(`${V1}/cpu`) && fs.existsSync(`${V1}/cpu/cpu.cfs_quota_us`)) {
      const cpu = this.dir("cpu", env);
      await fsp.mkdir(cpu, { recursive: true });
      await fsp.writeFile(path.join(cpu, "cpu.cfs_quota_us"), String(Math.round(l.cpus * 100_000)));
      files.push(path.join(cpu, "cgroup.procs"));
    }
    return files;
  }
  procs(env: string): Promise<number[]> {
    return readPids(path.join(this.dir("pids", env), "cgroup.procs"));
  }
  dirs(env: string): string[] {
    return ["pids", "memory", "cpu"].map((c) => this.dir(c, env));
  }
  async remove(env: string): Promise<string[]> {
    const left: string[] = [];
    for (const ctrl of ["pids", "memory", "cpu"]) {
      const why = await rmdirWhenEmpty(this.dir(ctrl, env));
      if (why) left.push(why);
    }
    for (const ctrl of ["pids", "memory", "cpu"]) await fsp.rmdir(path.join(V1, ctrl, this.prefix)).catch(() => undefined); // only when no other environment uses it
    return left;
  }
}

class CgroupsV2 implements Cgroups {
  readonly kind = "v2";
  constructor(private readonly prefix: string) {}
  private dir(env: string) {
    return path.join(V1, this.prefix, env);
  }
  async create(env: string, l: Limits): Promise<string[]> {
    const parent = path.join(V1, this.prefix);
    await fsp.mkdir(parent, { recursive: true });
    await fsp.writeFile(path.join(V1, "cgroup.subtree_control"), "+memory +pids").catch(() => undefined);
    await fsp.writeFile(path.join(parent, "cgroup.subtree_control"), "+memory +pids");
    await fsp.writeFile(path.join(parent, "cgroup.subtree_control"), "+cpu").catch(() => undefined);
    await fsp.mkdir(this.dir(env), { recursive: true });
    if (l.memoryMiB > 0) {
      await fsp.writeFile(path.join(this.dir(env), "memory.max"), String(l.memoryMiB * 1024 * 1024));
      await fsp.writeFile(path.join(this.dir(env), "memory.swap.max"), "0").catch(() => undefined);
    }
    await fsp.writeFile(path.join(this.dir(env), "pids.max"), String(l.pidsMax));
    if (l.cpus > 0) await fsp.writeFile(path.join(this.dir(env), "cpu.max"), `${Math.round(l.cpus * 100_000)} 100000`).catch(() => undefined);
    return [path.join(this.dir(env), "cgroup.procs")];
  }
  procs(env: string): Promise<number[]> {
    return readPids(path.join(this.dir(env), "cgroup.procs"));
  }
  dirs(env: string): string[] {
    return [this.dir(env)];
  }
  async remove(env: string): Promise<string[]> {
    const why = await rmdirWhenEmpty(this.dir(env));
    await fsp.rmdir(path.join(V1, this.prefix)).catch(() => undefined); // only when no other environment uses it
    return why ? [why] : [];
  }
}
