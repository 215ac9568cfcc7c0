/**
 * VM: time to the first command executed in the guest, by how the VM starts, beside a raw
 * QEMU peer (same kernel and command line, an initramfs whose /init only prints a line:
 * the floor any boot path can reach). States the accelerator. Goals under TCG: from a
 * template ≤ 0.5 s, cold ≤ 2 s.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execInGuest } from "../providers/vm/agent-client.js";
import { initBase, requireBase, type BaseManifest } from "../providers/vm/base-image.js";
import { bootFromState, coldBoot, type VmData } from "../providers/vm/boot.js";
import { detectVm } from "../providers/vm/detect.js";
import { vmDirs, type BaseLayout } from "../providers/vm/layout.js";
import { VmProvider } from "../providers/vm/provider.js";
import { createOverlay, kill, qemuArgs, type Accel, type VmShape } from "../providers/vm/qemu.js";
import { ensureTemplate, type Template } from "../providers/vm/template.js";
import { fmt, machine, percentile } from "./lib.js";

const RUNS = 5;
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const since = (t0: number) => performance.now() - t0;
const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

async function firstCommand(data: VmData): Promise<void> {
  const r = await execInGuest(vmDirs(data.dir).muxSock, { cwd: "/", argv: ["true"], env: {} });
  if (r.exitCode !== 0) throw new Error("`true` failed in the guest");
}

/** The raw peer: QEMU with an initramfs whose /init prints a marker, timed to that line. */
async function rawColdBoot(baseDir: string, scratch: string, accel: Accel, cpus: number, mem: number): Promise<number> {
  const ir = path.join(scratch, "raw-initramfs");
  const cpio = path.join(scratch, "raw.cpio");
  if (!fs.existsSync(cpio)) {
    fs.mkdirSync(path.join(ir, "bin"), { recursive: true });
    fs.copyFileSync("/bin/busybox", path.join(ir, "bin", "busybox"));
    fs.writeFileSync(path.join(ir, "init"), "#!/bin/busybox sh\necho SWARM-RAW-READY\n/bin/busybox poweroff -f\n", { mode: 0o755 });
    spawnSync("sh", ["-c", `cd ${ir} && find . | cpio -o -H newc --quiet > ${cpio}`]); // uncompressed, as ours
  }
  const base = requireBase(baseDir).layout;
  const d = vmDirs(path.join(scratch, "raw-vm"));
  fs.mkdirSync(d.dir, { recursive: true });
  fs.mkdirSync(d.sockDir, { recursive: true });
  const args = qemuArgs({ ...base, initrd: cpio }, { accel, cpus, memoryMiB: mem, net: "none" }, "/dev/null", d).filter(
    (a, i, all) => !["-daemonize"].includes(a) && all[i - 1] !== "-pidfile" && a !== "-pidfile",
  );
  // serial to stdout instead of a file, and no disk
  const cut = args.indexOf("-drive");
  args.splice(cut, 4);
  args[args.indexOf("-serial") + 1] = "stdio";
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let at = 0;
    p.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (!at && out.includes("SWARM-RAW-READY")) at = since(t0);
    });
    p.on("close", () => {
      fs.rmSync(d.sockDir, { recursive: true, force: true });
      if (at) resolve(at);
      else reject(new Error(`raw boot printed no marker: ${out.slice(-300)}`));
    });
  });
}

interface BenchBase {
  scratch: string;
  baseDir: string;
  accel: Accel;
  layout: BaseLayout;
  manifest: BaseManifest;
}

const range = (xs: number[]) => `${fmt(median(xs), 0)} (${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)})`;
const goal = (xs: number[], ms: number) => (median(xs) <= ms ? "met" : "**missed**");

/** One VM booted (cold from the base disk, or restored from a template) and timed to its first command. */
async function bootToFirstCommand(b: BenchBase, dir: string, shape: VmShape, from: { template: Template } | "cold"): Promise<number> {
  const data: VmData = {
    dir,
    disk: path.join(dir, "disk.qcow2"),
    cpus: shape.cpus,
    memoryMiB: shape.memoryMiB,
    accel: b.accel,
    baseId: b.manifest.id,
    image: b.layout.dir,
    bootedFrom: from === "cold" ? "cold" : "template",
    ...(shape.net !== "none" ? { net: shape.net, proxyAllow: [] } : {}),
  };
  fs.mkdirSync(data.dir, { recursive: true });
  const t0 = performance.now();
  if (from === "cold") {
    await createOverlay(data.disk, b.layout.rootImg, "raw");
    await coldBoot(data);
  } else {
    await createOverlay(data.disk, from.template.disk, "qcow2");
    await bootFromState(data, from.template.state);
  }
  await firstCommand(data);
  const ms = since(t0);
  await kill(vmDirs(data.dir));
  return ms;
}

/** Cold boot and template restore per VM size, beside the raw QEMU peer. */
async function shapeRows(b: BenchBase): Promise<string[]> {
  const rows: string[] = [];
  for (const [cpus, mem] of [
    [1, 512],
    [2, 4096],
  ] as const) {
    const shape: VmShape = { accel: b.accel, cpus, memoryMiB: mem, net: "none" };
    const tTpl = performance.now();
    const template = await ensureTemplate(b.scratch, b.layout, b.manifest, shape);
    const tplMs = since(tTpl);
    const cold: number[] = [];
    const warm: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(await bootToFirstCommand(b, path.join(b.scratch, `cold-${cpus}-${i}`), shape, "cold"));
      warm.push(await bootToFirstCommand(b, path.join(b.scratch, `template-${cpus}-${i}`), shape, { template }));
      raw.push(await rawColdBoot(b.baseDir, b.scratch, b.accel, cpus, mem));
    }
    rows.push(
      `| ${cpus} vCPU / ${mem} MiB | cold boot → first command | ${range(cold)} | raw QEMU cold boot → first line from /init: ${fmt(median(raw), 0)} | ≤ 2000 | ${goal(cold, 2000)} |`,
    );
    rows.push(
      `| ${cpus} vCPU / ${mem} MiB | template restore → first command | ${range(warm)} | template built once in ${fmt(tplMs, 0)} | ≤ 500 | ${goal(warm, 500)} |`,
    );
  }
  return rows;
}

/** Template restore per network mode: each has its own template (the NIC is part of the saved devices). */
async function netRows(b: BenchBase): Promise<string[]> {
  const rows: string[] = [];
  for (const net of ["full", "proxy"] as const) {
    const shape: VmShape = { accel: b.accel, cpus: 1, memoryMiB: 512, net };
    const template = await ensureTemplate(b.scratch, b.layout, b.manifest, shape);
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await bootToFirstCommand(b, path.join(b.scratch, `net-${net}-${i}`), shape, { template }));
    rows.push(`| 1 vCPU / 512 MiB, --net ${net} | template restore → first command | ${range(warm)} | — | ≤ 500 | ${goal(warm, 500)} |`);
  }
  return rows;
}

/** Checkpoint restore through the provider, as `env restore` does it, and one full create. */
async function checkpointRows(b: BenchBase): Promise<string[]> {
  const repo = path.join(b.scratch, "repo");
  spawnSync("sh", [
    "-c",
    `git init -q -b main ${repo} && echo x > ${repo}/f && git -C ${repo} add f && git -C ${repo} -c user.name=b -c user.email=b@b commit -qm i`,
  ]);
  const p = new VmProvider({ stateDir: b.scratch, logger, forwardedEnv: () => ({}) }, { baseDir: b.baseDir, accel: b.accel });
  const tCreate = performance.now();
  let h = await p.create({ name: "b1", project: "b", repo, branch: "", cpus: 1, memoryMiB: 512, net: "none" });
  const createMs = since(tCreate);
  await p.checkpoint(h, "c");
  const rest: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    h = await p.restore(h, "c");
    await p.exec(h, ["true"]);
    rest.push(since(t0));
  }
  await p.delete(h, { force: true });
  return [
    `| 1 vCPU / 512 MiB | checkpoint restore → first command | ${range(rest)} | — | ≤ 500 | ${goal(rest, 500)} |`,
    `| 1 vCPU / 512 MiB | full \`create\` (template restore + checkout copy-in) → first command | ${fmt(createMs, 0)} (one run) | — | — | — |`,
  ];
}

export async function run(): Promise<string> {
  const baseDir = process.env.SWARM_VM_BENCH_BASE ?? path.join(os.tmpdir(), "swarm-vm-base-cache");
  const tBase = performance.now();
  const built = await initBase(baseDir);
  const baseMs = since(tBase);
  const det = await detectVm(baseDir);
  if (!det.available || !det.accel) throw new Error(`vm provider unavailable: ${det.reason}; ${det.installHint}`);
  const accel = det.accel;
  const { layout, manifest } = requireBase(baseDir);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-vm-"));
  const b: BenchBase = { scratch, baseDir, accel, layout, manifest };
  const rows: string[] = [];
  try {
    rows.push(...(await shapeRows(b)), ...(await netRows(b)), ...(await checkpointRows(b)));
  } finally {
    spawnSync("sh", ["-c", `for f in ${scratch}/*/qemu.pid ${scratch}/templates/*/qemu.pid; do [ -f "$f" ] && kill -9 $(cat "$f"); done; true`]);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  return [
    "## VM provider: boot and restore to first command",
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Load average at the end: ${load} (shared host; TCG numbers scale with it). Accelerator: **${accel}**${det.warnings?.length ? ` (${det.warnings.join("; ")})` : ""}. Command: \`npm run bench -- vm\`.`,
    "",
    `Base ${manifest.id} (${manifest.kernelPackage}, busybox root): \`init-base\` ${built.upToDate ? "was up to date" : "built"} in ${fmt(baseMs / 1000, 1)} s. Median of ${RUNS} runs in ms (min–max); "first command" is \`true\` run through the guest agent and answered.`,
    "",
    "| shape | path | ours, ms | peer | goal, ms | |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void run().then((s) => process.stdout.write(s + "\n"));
}
