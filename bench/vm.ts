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
import { initBase, requireBase } from "../providers/vm/base-image.js";
import { bootFromState, coldBoot, type VmData } from "../providers/vm/boot.js";
import { detectVm } from "../providers/vm/detect.js";
import { vmDirs } from "../providers/vm/layout.js";
import { VmProvider } from "../providers/vm/provider.js";
import { createOverlay, kill, qemuArgs, type Accel } from "../providers/vm/qemu.js";
import { ensureTemplate } from "../providers/vm/template.js";
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
  const rows: string[] = [];
  try {
    for (const [cpus, mem] of [
      [1, 512],
      [2, 4096],
    ] as const) {
      const shape = { accel, cpus, memoryMiB: mem, net: "none" as const };
      const tTpl = performance.now();
      const tpl = await ensureTemplate(scratch, layout, manifest, shape);
      const tplMs = since(tTpl);
      const cold: number[] = [];
      const warm: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        for (const kind of ["cold", "template"] as const) {
          const data: VmData = {
            dir: path.join(scratch, `${kind}-${cpus}-${i}`),
            disk: "",
            cpus,
            memoryMiB: mem,
            accel,
            baseId: manifest.id,
            image: layout.dir,
            bootedFrom: "cold",
          };
          fs.mkdirSync(data.dir, { recursive: true });
          data.disk = path.join(data.dir, "disk.qcow2");
          const t0 = performance.now();
          if (kind === "cold") {
            await createOverlay(data.disk, layout.rootImg, "raw");
            await coldBoot(data);
          } else {
            await createOverlay(data.disk, tpl.disk, "qcow2");
            await bootFromState(data, tpl.state);
          }
          await firstCommand(data);
          (kind === "cold" ? cold : warm).push(since(t0));
          await kill(vmDirs(data.dir));
        }
        raw.push(await rawColdBoot(baseDir, scratch, accel, cpus, mem));
      }
      rows.push(
        `| ${cpus} vCPU / ${mem} MiB | cold boot → first command | ${fmt(median(cold), 0)} (${fmt(Math.min(...cold), 0)}–${fmt(Math.max(...cold), 0)}) | raw QEMU cold boot → first line from /init: ${fmt(median(raw), 0)} | ≤ 2000 | ${median(cold) <= 2000 ? "met" : "**missed**"} |`,
      );
      rows.push(
        `| ${cpus} vCPU / ${mem} MiB | template restore → first command | ${fmt(median(warm), 0)} (${fmt(Math.min(...warm), 0)}–${fmt(Math.max(...warm), 0)}) | template built once in ${fmt(tplMs, 0)} | ≤ 500 | ${median(warm) <= 500 ? "met" : "**missed**"} |`,
      );
    }
    // each network mode has its own template (the NIC is part of the saved devices)
    for (const net of ["full", "proxy"] as const) {
      const shape = { accel, cpus: 1, memoryMiB: 512, net };
      const tpl = await ensureTemplate(scratch, layout, manifest, shape);
      const warm: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const data: VmData = {
          dir: path.join(scratch, `net-${net}-${i}`),
          disk: "",
          cpus: 1,
          memoryMiB: 512,
          accel,
          baseId: manifest.id,
          image: layout.dir,
          bootedFrom: "template",
          net,
          proxyAllow: [],
        };
        fs.mkdirSync(data.dir, { recursive: true });
        data.disk = path.join(data.dir, "disk.qcow2");
        const t0 = performance.now();
        await createOverlay(data.disk, tpl.disk, "qcow2");
        await bootFromState(data, tpl.state);
        await firstCommand(data);
        warm.push(since(t0));
        await kill(vmDirs(data.dir));
      }
      rows.push(
        `| 1 vCPU / 512 MiB, --net ${net} | template restore → first command | ${fmt(median(warm), 0)} (${fmt(Math.min(...warm), 0)}–${fmt(Math.max(...warm), 0)}) | — | ≤ 500 | ${median(warm) <= 500 ? "met" : "**missed**"} |`,
      );
    }
    // checkpoint restore, through the provider as `env restore` does it
    const repo = path.join(scratch, "repo");
    spawnSync("sh", [
      "-c",
      `git init -q -b main ${repo} && echo x > ${repo}/f && git -C ${repo} add f && git -C ${repo} -c user.name=b -c user.email=b@b commit -qm i`,
    ]);
    const p = new VmProvider({ stateDir: scratch, logger, forwardedEnv: () => ({}) }, { baseDir, accel });
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
    rows.push(
      `| 1 vCPU / 512 MiB | checkpoint restore → first command | ${fmt(median(rest), 0)} (${fmt(Math.min(...rest), 0)}–${fmt(Math.max(...rest), 0)}) | — | ≤ 500 | ${median(rest) <= 500 ? "met" : "**missed**"} |`,
    );
    rows.push(`| 1 vCPU / 512 MiB | full \`create\` (template restore + checkout copy-in) → first command | ${fmt(createMs, 0)} (one run) | — | — | — |`);
  } finally {
    spawnSync("sh", ["-c", `for f in ${scratch}/*/qemu.pid ${scratch}/templates/*/qemu.pid; do [ -f "$f" ] && kill -9 $(cat "$f"); done; true`]);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return [
    "## VM provider: boot and restore to first command",
    "",
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " / ",
      )} (shared host; TCG numbers scale with it). Accelerator: **${accel}**${det.warnings?.length ? ` (${det.warnings.join("; ")})` : ""}. Command: \`npm run bench -- vm\`.`,
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
