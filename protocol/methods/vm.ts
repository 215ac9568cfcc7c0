import { z } from "zod";
import { defineMethod } from "../method.js";

/** providers/vm/base-image.ts BaseManifest; loose, so fields the builder adds pass through. */
export const VmBaseManifest = z.looseObject({
  id: z.string().describe("hash of the inputs (package versions, guest sources); checkpoints name the base they need"),
  image: z.string().describe("folder under the base dir holding this build"),
  builtAt: z.string(),
  kernelPackage: z.string(),
  kernelVersion: z.string(),
  busybox: z.string(),
  rootfs: z.string(),
  inputs: z.record(z.string(), z.string()),
});
export type VmBaseManifest = z.infer<typeof VmBaseManifest>;

export const vmInitBase = defineMethod({
  name: "vm.init_base",
  summary:
    "Build the QEMU microVM base image (kernel, initramfs, root disk, guest agent) from Debian packages; a no-op when up to date. Progress is streamed as `vm.base_progress` events and the end as `vm.base_built`. One build at a time: a call for the dir being built waits for that build and gets its result; a call for another dir meanwhile is a CONFLICT.",
  mutating: true,
  params: z
    .object({
      dir: z.string().min(1).optional().describe("absolute path of the base folder (default: the data dir's vm/base, or $SWARM_VM_BASE_DIR of the daemon)"),
      force: z.boolean().default(false).describe("rebuild even when the inputs have not changed"),
    })
    .default({ force: false }),
  result: z.object({
    dir: z.string(),
    upToDate: z.boolean().describe("true when nothing was built because the base matches its inputs"),
    manifest: VmBaseManifest,
    phases: z.array(z.object({ phase: z.string(), ms: z.number() })).describe("the build's steps and their durations"),
  }),
});

export const vmStatus = defineMethod({
  name: "vm.status",
  summary:
    "The VM base image in a folder and whether VMs can run on this host (QEMU installed, a base built, which accelerator). The daemon detects: the first call after a new base boots a probe VM to prove KVM (cached beside the base).",
  mutating: false,
  params: z
    .object({
      dir: z.string().min(1).optional().describe("absolute path of the base folder (default: the folder the daemon's vm provider boots from)"),
    })
    .default({}),
  result: z.object({
    dir: z.string(),
    base: VmBaseManifest.nullable().describe("the base built in dir, or null when there is none"),
    available: z.boolean().describe("whether environments can boot from this base on this host"),
    accel: z.string().nullable().describe('how guests run ("kvm", "tcg"), when available'),
    reason: z.string().nullable().describe("why not, when not available"),
    installHint: z.string().nullable().describe("the command that fixes it, when not available"),
    warnings: z.array(z.string()).describe('things that work but worse than they could ("KVM unusable, using TCG")'),
  }),
});
