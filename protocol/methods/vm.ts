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
