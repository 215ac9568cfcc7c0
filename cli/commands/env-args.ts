import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ParamsFor } from "../../client/index.js";
import { SwarmError } from "../../protocol/errors.js";
import { checkProxyAllow, envCreate } from "../../protocol/methods/env.js";
import { checkName } from "../../protocol/names.js";
import { checkParams } from "../../protocol/params.js";
import { parseSizeMiB } from "../../protocol/units.js";

export interface CreateOpts {
  provider?: string;
  repo?: string;
  branch?: string;
  base?: string;
  project?: string;
  cpus?: string;
  memory?: string;
  net?: string;
  proxyAllow?: string[];
}

/**
 * `--proxy-allow HOST` takes one value and may be repeated (or given a comma list): a
 * variadic option would swallow the environment name written after it.
 */
export const PROXY_ALLOW_OPTION = [
  "--proxy-allow <host>",
  "with --net proxy: a host (host, host:port, *.domain) the proxy lets through; repeat or comma-separate for more",
  (value: string, prev: string[] = []) => [
    ...prev,
    ...value
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
  ],
] as const;

/** The git toplevel of `dir`, or an error that says to pass --repo. */
export function gitToplevel(dir: string): string {
  if (!fs.existsSync(dir)) throw new SwarmError("INVALID_ARGUMENT", `${dir} does not exist`, { hint: "pass --repo with the path of a git repository" });
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "--show-toplevel"], { stdio: ["ignore", "pipe", "pipe"] })
      .toString()
      .trim();
  } catch {
    throw new SwarmError("INVALID_ARGUMENT", `${dir} is not inside a git repository`, { hint: "run from inside a repository or pass --repo PATH" });
  }
}

/** The env.create fields the create flags map to (bulk create shares them). */
export type CreateFields = Omit<ParamsFor<"env.create">, "name">;

/**
 * Turns CLI flags into env.create params and checks them against the protocol's own schema,
 * so a wrong value (a net mode, a CPU count) is refused with the daemon's words before sending.
 * Only what the daemon never sees is checked here: the size syntax and the git repository.
 */
export function createParams(o: CreateOpts, method: "env.create" | "env.bulk_create"): CreateFields {
  const p: Record<string, unknown> = { repo: o.repo ? gitToplevel(path.resolve(o.repo)) : gitToplevel(process.cwd()) };
  if (o.provider) p.provider = o.provider;
  if (o.branch) p.branch = o.branch;
  if (o.base) p.base = o.base;
  if (o.project) p.project = o.project;
  if (o.cpus !== undefined) p.cpus = Number(o.cpus);
  if (o.memory !== undefined) {
    const mib = parseSizeMiB(o.memory);
    if (mib === null) throw new SwarmError("INVALID_ARGUMENT", `--memory must be a size like 512M or 4G, got ${JSON.stringify(o.memory)}`);
    p.memory_mib = mib;
  }
  if (o.net !== undefined) p.net = o.net;
  if (o.proxyAllow?.length) {
    for (const h of o.proxyAllow) {
      const bad = checkProxyAllow(h);
      if (bad) throw new SwarmError("INVALID_ARGUMENT", bad);
    }
    p.proxy_allow = o.proxyAllow;
  }
  checkParams(method, envCreate.params.omit({ name: true }), p);
  return p as CreateFields;
}

export function requireName(name: string): string {
  const bad = checkName(name);
  if (bad) throw new SwarmError("INVALID_ARGUMENT", bad);
  return name;
}

export interface CopySpec {
  name: string;
  direction: "in" | "out";
  host_path: string;
  env_path: string;
}

/** `NAME:path` on exactly one side: a prefix before ':' that is a valid name and holds no '/'. */
function envSide(arg: string): { name: string; path: string } | null {
  const i = arg.indexOf(":");
  if (i <= 0) return null;
  const name = arg.slice(0, i);
  if (name.includes("/") || checkName(name)) return null;
  return { name, path: arg.slice(i + 1) || "." };
}

export function copySpec(src: string, dst: string): CopySpec {
  const s = envSide(src);
  const d = envSide(dst);
  if (s && d) throw new SwarmError("INVALID_ARGUMENT", "both sides name an environment; copy through the host in two steps");
  if (!s && !d) throw new SwarmError("INVALID_ARGUMENT", "one side must be NAME:path (the environment), the other a host path");
  if (d) return { name: d.name, direction: "in", host_path: path.resolve(src), env_path: d.path };
  return { name: s!.name, direction: "out", host_path: path.resolve(dst), env_path: s!.path };
}
