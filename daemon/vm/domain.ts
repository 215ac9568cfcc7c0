import { vmInitBase } from "../../protocol/methods/vm.js";
import type { DaemonContext } from "../context.js";
import type { Domain } from "../domains.js";
import { handle } from "../rpc/handler.js";
import { BaseBuilds } from "./base-builds.js";

/** The VM base image: built by the daemon so its progress is events. */
export function vmDomain(ctx: DaemonContext): Domain {
  const builds = new BaseBuilds(ctx);
  return {
    name: "vm",
    handlers: [
      handle(vmInitBase, async (p) => {
        const r = await builds.run(p);
        return { dir: r.dir, upToDate: r.upToDate, manifest: { ...r.manifest }, phases: r.phases };
      }),
    ],
  };
}
