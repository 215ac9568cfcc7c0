/**
 * `swarmctl vm …`: the VM base image. init-base runs here in the CLI process rather than in
 * the daemon: it needs no daemon state, takes seconds to minutes of apt/gcc/mkfs work that
 * should not share the daemon's event loop, and its progress belongs on this terminal.
 * The daemon's vm provider reads the same directory ($SWARM_HOME data dir/vm/base).
 */
import type { Command } from "commander";
import { ERROR_KINDS } from "../../protocol/errors.js";
import { initBase, readManifest } from "../../providers/vm/base-image.js";
import { detectVm } from "../../providers/vm/detect.js";
import { defaultBaseDir } from "../../providers/vm/provider.js";
import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program: Command, ctx) => {
  const vm = program.command("vm").description("build and inspect the QEMU microVM base image");

  vm.command("init-base")
    .description("build the guest (kernel, initramfs, root disk, agent) from Debian packages; a no-op when up to date")
    .option("--force", "rebuild even when the inputs have not changed")
    .option("--dir <path>", "where to put the base (default: the data dir's vm/base)")
    .action(async (o: { force?: boolean; dir?: string }) => {
      const out = ctx().out;
      const dir = o.dir ?? defaultBaseDir();
      const t0 = performance.now();
      const r = await initBase(dir, {
        force: o.force === true,
        progress: (p) => {
          if (!out.json) process.stderr.write(`${p.phase.padEnd(10)} ${p.message ?? ""}\n`);
        },
      });
      const total = ((performance.now() - t0) / 1000).toFixed(1);
      if (out.json) return out.printJson({ dir, upToDate: r.upToDate, manifest: r.manifest, phases: r.phases });
      if (r.upToDate) out.print(`${out.ok("up to date")}  base ${r.manifest.id} in ${dir} (built ${r.manifest.builtAt}); --force rebuilds`);
      else out.print(`${out.ok("built")}  base ${r.manifest.id} in ${dir} in ${total} s (kernel ${r.manifest.kernelPackage} ${r.manifest.kernelVersion})`);
    });

  vm.command("status")
    .description("show the base image and which accelerator VMs use (probes KVM once, cached)")
    .option("--dir <path>", "the base directory (default: the data dir's vm/base)")
    .action(async (o: { dir?: string }) => {
      const out = ctx().out;
      const dir = o.dir ?? defaultBaseDir();
      const manifest = readManifest(dir);
      const d = await detectVm(dir);
      if (out.json) return out.printJson({ dir, base: manifest, available: d.available, accel: d.accel ?? null, reason: d.reason ?? null, installHint: d.installHint ?? null, warnings: d.warnings ?? [] });
      const lines = [`base       ${manifest ? `${manifest.id} (${manifest.kernelPackage}, built ${manifest.builtAt})` : "none"}`, `dir        ${dir}`];
      if (d.available) lines.push(`accel      ${d.accel}`);
      else lines.push(`available  ${out.fail("no")}: ${d.reason}`, `fix        ${d.installHint}`);
      for (const w of d.warnings ?? []) lines.push(out.warn(`warning    ${w}`));
      out.print(lines.join("\n"));
      if (!d.available) ctx().exitCode = ERROR_KINDS.UNAVAILABLE.exitCode;
    });
};
