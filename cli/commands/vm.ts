/**
 * `swarmctl vm …`: the VM base image. init-base asks the daemon to build it (`vm.init_base`),
 * so the build's progress is durable events (R-E8) and one build runs at a time; this
 * command shows those events as lines on stderr. `vm status` asks the daemon (`vm.status`),
 * which reads the base and detects the accelerator in its own process.
 */
import path from "node:path";
import type { Command } from "commander";
import { ERROR_KINDS } from "../../protocol/errors.js";
import type { EventRecord } from "../../protocol/events.js";
import type { ResultOf } from "../../protocol/method.js";
import type { vmInitBase, vmStatus } from "../../protocol/methods/vm.js";
import type { CommandGroup } from "../context.js";
import { followProgress, type ProgressView } from "./env-progress.js";

/** One line per build step, as the builder reports them ("kernel     done in 2.1 s"). */
const baseProgress: ProgressView = {
  type: "vm.base_progress",
  subjects: null,
  inPlace: false,
  text: (ev: EventRecord) => {
    const d = ev.data as { phase?: string; message?: string };
    return `${(d.phase ?? "").padEnd(10)} ${d.message ?? ""}`;
  },
};

export const register: CommandGroup = (program: Command, ctx) => {
  const vm = program.command("vm").description("build and inspect the QEMU microVM base image");

  vm.command("init-base")
    .description("build the guest (kernel, initramfs, root disk, agent) from Debian packages; a no-op when up to date")
    .option("--force", "rebuild even when the inputs have not changed")
    .option("--dir <path>", "where to put the base (default: the data dir's vm/base)")
    .action(async (o: { force?: boolean; dir?: string }) => {
      const c = ctx();
      const out = c.out;
      // relative to where the user is, not to the daemon's working directory
      const params = { force: o.force === true, ...(o.dir !== undefined ? { dir: path.resolve(o.dir) } : {}) };
      const t0 = performance.now();
      const r = await followProgress(c, baseProgress, () => c.call<ResultOf<typeof vmInitBase>>("vm.init_base", params));
      const dir = r.dir;
      const total = ((performance.now() - t0) / 1000).toFixed(1);
      if (out.json) return out.printJson({ dir, upToDate: r.upToDate, manifest: r.manifest, phases: r.phases });
      if (r.upToDate) out.print(`${out.ok("up to date")}  base ${r.manifest.id} in ${dir} (built ${r.manifest.builtAt}); --force rebuilds`);
      else out.print(`${out.ok("built")}  base ${r.manifest.id} in ${dir} in ${total} s (kernel ${r.manifest.kernelPackage} ${r.manifest.kernelVersion})`);
    });

  vm.command("status")
    .description("show the base image and which accelerator VMs use (probes KVM once, cached)")
    .option("--dir <path>", "the base directory (default: the data dir's vm/base)")
    .action(async (o: { dir?: string }) => {
      const c = ctx();
      const out = c.out;
      // relative to where the user is, not to the daemon's working directory
      const d = await c.call<ResultOf<typeof vmStatus>>("vm.status", o.dir !== undefined ? { dir: path.resolve(o.dir) } : {});
      const { dir, base: manifest } = d;
      if (out.json) return out.printJson(d);
      const lines = [`base       ${manifest ? `${manifest.id} (${manifest.kernelPackage}, built ${manifest.builtAt})` : "none"}`, `dir        ${dir}`];
      if (d.available) lines.push(`accel      ${d.accel}`);
      else lines.push(`available  ${out.fail("no")}: ${d.reason}`, `fix        ${d.installHint}`);
      for (const w of d.warnings) lines.push(out.warn(`warning    ${w}`));
      out.print(lines.join("\n"));
      if (!d.available) ctx().exitCode = ERROR_KINDS.UNAVAILABLE.exitCode;
    });
};
