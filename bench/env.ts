import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDaemon, RpcClient } from "../client/index.js";
import { resolvePaths } from "../protocol/paths.js";
import { waitUntil } from "../protocol/wait.js";
import { WorktreeProvider } from "../providers/worktree/provider.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";
import { benchContext, makeBenchRepo } from "./worktree.js";

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const BULK = 100;
const PARALLEL = 64;

async function startSwarmd(home: string): Promise<{ client: RpcClient; stop(): void }> {
  fs.writeFileSync(path.join(home, "config.json"), JSON.stringify({ env: { bulk_concurrency: PARALLEL }, secrets: { keyring: false } }));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const proc = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  const paths = resolvePaths(env);
  const probe = await waitUntil("swarmd to listen", () => RpcClient.connect(paths.socket).catch(() => null), { timeoutMs: 15_000, everyMs: 20 });
  probe.close();
  const client = await connectDaemon(paths, { autostart: false, clientName: "bench" });
  return { client, stop: () => (client.close(), proc.kill("SIGTERM")) };
}

async function bounded<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let i = next++; i < n; i = next++) out[i] = await fn(i);
    }),
  );
  return out;
}

/**
 * What the daemon adds on top of the worktree provider: `env.create` over the socket
 * (validation, resource check, registry rows, progress events) against the same provider
 * class called in-process, one at a time and 100 at once, same repo, same run.
 */
export async function run(): Promise<string> {
  const repo = makeBenchRepo();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-env-"));
  const direct = new WorktreeProvider(benchContext(path.join(home, "direct")));
  const d = await startSwarmd(home);
  try {
    const rounds = 8;
    const viaDaemon: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t0 = process.hrtime.bigint();
      await direct.create({ name: `p-${i}`, project: "b", repo, branch: `direct/p-${i}`, cpus: 1, memoryMiB: 256, net: "full" });
      inProcess.push(ms(t0));
      t0 = process.hrtime.bigint();
      await d.client.call("env.create", { name: `d-${i}`, repo, project: "one" });
      viaDaemon.push(ms(t0));
    }
    // Each side starts with no dirty pages left by the other (writeback stalls skew the second one).
    execFileSync("sync");
    const names = Array.from({ length: BULK }, (_, i) => `db-${i}`);
    let t0 = process.hrtime.bigint();
    const bulk = await d.client.call<{ results: { ok: boolean }[] }>("env.bulk_create", { project: "bulk", names, repo });
    const daemonBulk = ms(t0);
    execFileSync("sync");
    t0 = process.hrtime.bigint();
    const directResults = await bounded(BULK, PARALLEL, (i) =>
      direct.create({ name: `pb-${i}`, project: "b", repo, branch: `direct/pb-${i}`, cpus: 1, memoryMiB: 256, net: "full" }).then(
        () => true,
        () => false,
      ),
    );
    const directBulk = ms(t0);
    const fails = (xs: boolean[]) => xs.filter((x) => !x).length;
    const ratio1 = median(viaDaemon) / median(inProcess);
    return [
      "## Environments through the daemon: env.create vs the provider in-process",
      "",
      `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Repo: 2,000 files (~20 MB). Command: \`npm run bench -- env\`.`,
      "",
      "`env.create` over the socket (params validation, resource check, registry rows, progress events) against the same",
      "worktree provider class called in-process, alternating, same repo. Bulk: `env.bulk_create` of 100 (64 in parallel)",
      "against 100 in-process creates with the same bound; `sync` before each so neither pays the other's writeback.",
      "",
      "| case | via swarmd | provider in-process | ratio | failures (swarmd / in-process) |",
      "|---|---|---|---|---|",
      `| one create, median of ${rounds} | ${fmt(median(viaDaemon))} ms | ${fmt(median(inProcess))} ms | **${fmt(ratio1, 2)}x** | 0 / 0 |`,
      `| ${BULK} creates at once, wall | ${fmt(daemonBulk)} ms | ${fmt(directBulk)} ms | **${fmt(daemonBulk / directBulk, 2)}x** | ${fails(bulk.results.map((r) => r.ok))} / ${fails(directResults)} |`,
    ].join("\n");
  } finally {
    d.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  }
}
