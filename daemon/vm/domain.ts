import { SwarmError } from "../../protocol/errors.js";
import { VmBaseManifest, vmInitBase, vmStatus } from "../../protocol/methods/vm.js";
import type { BaseImageManifest, BaseImages } from "../../providers/types.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import { BaseBuilds, baseDirOf } from "./base-builds.js";

/** What the vm domain needs, passed in by whoever assembles the daemon. */
export interface VmDomainDeps {
  /** the provider that builds base images (info().features.baseImage), or null when this build has none */
  baseImages: BaseImages | null;
}

function noBaseImages(): SwarmError {
  return new SwarmError("UNAVAILABLE", "no provider of this daemon builds VM base images", { hint: "see `swarmctl providers`" });
}

/** The provider's manifest as the protocol describes a VM base; a provider breaking that is a bug (INTERNAL). */
function manifestOf(m: BaseImageManifest): VmBaseManifest {
  const r = VmBaseManifest.safeParse(m);
  if (!r.success) throw new SwarmError("INTERNAL", `the base image manifest ${m.id} does not match the protocol: ${r.error.message}`);
  return r.data;
}

/** The VM base image: built by the daemon so its progress is events; its status detected by the daemon. */
export function vmDomain(ctx: Pick<DaemonContext, "events" | "logger">, deps: VmDomainDeps): Domain {
  const bases = deps.baseImages;
  const builds = bases ? new BaseBuilds(ctx, bases) : null;
  return {
    name: "vm",
    handlers: [
      handle(vmInitBase, async (p) => {
        if (!builds) throw noBaseImages();
        const r = await builds.run(p);
        return { dir: r.dir, upToDate: r.upToDate, manifest: manifestOf(r.manifest), phases: r.phases };
      }),
      handle(vmStatus, async (p) => {
        if (!bases) throw noBaseImages();
        const dir = baseDirOf(bases, p.dir);
        const s = await bases.baseStatus(dir);
        return {
          dir,
          base: s.base && manifestOf(s.base),
          available: s.detect.available,
          accel: s.accelerator,
          reason: s.detect.reason ?? null,
          installHint: s.detect.installHint ?? null,
          warnings: s.detect.warnings ?? [],
        };
      }),
    ],
  };
}
