import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SandboxProvider } from "../providers/sandbox/provider.js";
import type { EnvHandle, EnvSpec } from "../providers/types.js";
import { fmt, machine, percentile, writeSection } from "./lib.js";
import { benchContext, makeBenchRepo, sh } from "./worktree.js";

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(ms(t0));
  }
  return out;
}

/** Sandbox: 100 overlay creates at once, and the cost of one exec, each beside its raw peer. */
export async function run(): Promise<string> {
  const repo = makeBenchRepo();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-sb-"));
  const p = new SandboxProvider(benchContext(path.join(scratch, "state")));
  const spec = (name: string): EnvSpec => ({ name, project: "b", repo, branch: "", cpus: 1, memoryMiB: 512, net: "none" });
  const hs: EnvHandle[] = [];

  // the first create also makes the shared base clone: timed apart
  let t0 = process.hrtime.bigint();
  hs.push(await p.create(spec("first")));
  const firstMs = ms(t0);

  t0 = process.hrtime.bigint();
  const many = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => p.create(spec(`cow-${i}`))));
  const oursMany = ms(t0);
  const fails = many.filter((r) => r.status === "rejected").length;
  for (const r of many) if (r.status === "fulfilled") hs.push(r.value);

  // raw peer: the same 100 overlay mounts from one shell loop, no git, no bookkeeping
  const base = (hs[0]!.data as { baseDir: string }).baseDir;
  const rawDir = path.join(scratch, "raw");
  t0 = process.hrtime.bigint();
  const raw = await sh(
    `for i in $(seq 0 99); do d=${rawDir}/$i; mkdir -p $d/u $d/w $d/m && mount -t overlay overlay -o lowerdir=${base},upperdir=$d/u,workdir=$d/w $d/m || exit 1; done`,
    scratch,
  );
  const rawMany = ms(t0);
  if (raw.code !== 0) throw new Error(`raw overlay mounts failed: ${raw.stderr}`);
  await sh(`for i in $(seq 0 99); do umount ${rawDir}/$i/m; done`, scratch);

  // exec overhead: ours (bwrap + cgroup join) vs raw bwrap vs plain fork/exec
  const h = hs[1]!;
  const n = 40;
  const oursExec = await timeEach(n, () => p.exec(h, ["true"]));
  const rawArgs = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent", "true"];
  const rawExec = await timeEach(n, async () => spawnSync("bwrap", rawArgs));
  const plainExec = await timeEach(n, async () => spawnSync("true"));

  t0 = process.hrtime.bigint();
  await Promise.all(hs.map((x) => p.delete(x, { force: true })));
  const delMs = ms(t0);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(repo, { recursive: true, force: true });

  return [
    "## Sandbox provider: copy-on-write creates and exec overhead",
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Repo: 2,000 files (~20 MB). Mode: ${p.info().features.copyOnWrite ? "kernel overlayfs over a shared `git clone --shared`" : "clone per environment"}; cgroups: ${p.info().features.enforcesResources ? "enforced" : "not enforced"}. Command: \`npm run bench -- sandbox\`.`,
    "",
    "| what | ours | raw peer | goal |",
    "|---|---|---|---|",
    `| 100 concurrent creates, wall | ${fmt(oursMany)} ms (${fails} failures) | ${fmt(rawMany)} ms (100 × mkdir + \`mount -t overlay\` in one shell loop) | < 1000 ms |`,
    `| first create (includes the base clone) | ${fmt(firstMs)} ms | — | — |`,
    `| exec \`true\`, median of ${n} | ${fmt(median(oursExec))} ms | ${fmt(median(rawExec))} ms (\`bwrap … --unshare-all true\`); plain fork/exec ${fmt(median(plainExec), 2)} ms | — |`,
    `| delete 101 (force), wall | ${fmt(delMs)} ms | — | — |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  writeSection("sandbox", section);
  process.stdout.write(section + "\n");
}
