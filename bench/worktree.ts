import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WorktreeProvider } from "../providers/worktree/provider.js";
import type { ProviderContext } from "../providers/types.js";
import { fmt, machine, percentile, writeSection } from "./lib.js";

const quiet = () => undefined;
export const benchContext = (stateDir: string): ProviderContext => ({
  stateDir,
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  forwardedEnv: () => ({}),
});

/** A repository of `files` files (~20 MB at 2,000), one commit. */
export function makeBenchRepo(files = 2000): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-repo-"));
  for (let i = 0; i < files; i++) {
    const d = path.join(dir, "src", `d${i % 50}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `f${i}.txt`), `file ${i}\n${"x".repeat(6000 + ((i * 7919) % 8000))}\n`);
  }
  const git = (...a: string[]) => execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", "-C", dir, ...a], { stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "bench");
  return fs.realpathSync(dir);
}

export function sh(script: string, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("bash", ["-c", script], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

/** Worktree create: ours vs raw `git worktree add`, one at a time and 100 at once. */
export async function run(): Promise<string> {
  const repo = makeBenchRepo();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-wt-"));
  const provider = new WorktreeProvider(benchContext(path.join(scratch, "state")));
  const rounds = 8;
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // alternate so disk writeback hits both sides alike
    let t0 = process.hrtime.bigint();
    const r = await sh(`git worktree add -q -b raw-${i} ${scratch}/raw-${i}`, repo);
    if (r.code !== 0) throw new Error(r.stderr);
    raw.push(ms(t0));
    t0 = process.hrtime.bigint();
    await provider.create({ name: `one-${i}`, project: "b", repo, branch: "", cpus: 1, memoryMiB: 256, net: "full" });
    ours.push(ms(t0));
  }
  execFileSync("sync");

  // 100 at once. Raw naive: xargs -P 8 git worktree add. Raw best: serial --no-checkout, parallel reset.
  const naiveT0 = process.hrtime.bigint();
  const naive = await sh(`seq 0 99 | xargs -P 8 -I{} sh -c 'git worktree add -q -b naive-{} ${scratch}/naive-{} 2>>${scratch}/naive.err || echo fail >> ${scratch}/naive.fails'`, repo);
  const naiveMs = ms(naiveT0);
  const naiveFails = fs.existsSync(`${scratch}/naive.fails`) ? fs.readFileSync(`${scratch}/naive.fails`, "utf8").split("\n").filter(Boolean).length : 0;
  void naive;
  execFileSync("sync");
  const bestT0 = process.hrtime.bigint();
  const best = await sh(
    `for i in $(seq 0 99); do git worktree add -q --no-checkout -b best-$i ${scratch}/best-$i || exit 1; done && seq 0 99 | xargs -P 8 -I{} git -C ${scratch}/best-{} reset -q --hard`,
    repo,
  );
  const bestMs = ms(bestT0);
  if (best.code !== 0) throw new Error(`raw best strategy failed: ${best.stderr}`);
  execFileSync("sync");
  const oursT0 = process.hrtime.bigint();
  const results = await Promise.allSettled(
    Array.from({ length: 100 }, (_, i) => provider.create({ name: `many-${i}`, project: "b", repo, branch: "", cpus: 1, memoryMiB: 256, net: "full" })),
  );
  const oursMs = ms(oursT0);
  const oursFails = results.filter((r) => r.status === "rejected").length;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(repo, { recursive: true, force: true });

  const one = median(ours) / median(raw);
  const many = oursMs / bestMs;
  return [
    "## Worktree provider: create",
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Repo: 2,000 files (~20 MB), one commit. Command: \`npm run bench -- worktree\`.`,
    "",
    "| what | ours | raw git | ratio (goal) | failures (ours / raw) |",
    "|---|---|---|---|---|",
    `| one create, median of ${rounds} | ${fmt(median(ours))} ms | ${fmt(median(raw))} ms (\`git worktree add -b\`) | ${fmt(one, 2)}x (≤ 1.2x) | 0 / 0 |`,
    `| 100 concurrent creates, wall | ${fmt(oursMs)} ms | ${fmt(bestMs)} ms (serial \`--no-checkout\`, then \`xargs -P 8 reset --hard\`) | ${fmt(many, 2)}x (≤ 1.1x) | ${oursFails} / 0 |`,
    `| 100 concurrent, naive raw | — | ${fmt(naiveMs)} ms (\`xargs -P 8 git worktree add\`) | — | — / ${naiveFails} |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  writeSection("worktree", section);
  process.stdout.write(section + "\n");
}
