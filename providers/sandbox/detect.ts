import type { DetectResult } from "../types.js";
import type { Cgroups } from "../common/cgroups.js";
import { which, type Runner } from "../common/run.js";
import type { LayerMode } from "./layers.js";

/** bwrap and git installed, and bwrap able to make the namespaces a sandbox needs, here. */
export async function detectSandbox(run: Runner, mode: LayerMode, cgroups: Cgroups | null, cgroupsReason: string | undefined): Promise<DetectResult> {
  const bwrap = await which("bwrap");
  if (!bwrap) return { available: false, reason: "bubblewrap (bwrap) is not installed", installHint: "apt-get install -y bubblewrap" };
  if (!(await which("git"))) return { available: false, reason: "git is not installed", installHint: "apt-get install -y git" };
  const probe = await run("bwrap", [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--unshare-pid",
    "--unshare-net",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "true",
  ]).catch(() => null);
  if (!probe || probe.exitCode !== 0) {
    return {
      available: false,
      reason: `bwrap cannot create namespaces here: ${probe?.stderr.toString().trim() ?? "did not run"}`,
      installHint: "enable unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1) or run the daemon as root",
    };
  }
  const warnings: string[] = [];
  if (mode === "clone") warnings.push("overlay mounts need root: each environment is a full clone (slower create, checkpoints copy the whole tree)");
  if (!cgroups) warnings.push(`memory and pids limits are counted, not enforced: ${cgroupsReason}`);
  const v = (await run("bwrap", ["--version"])).stdout.toString().trim();
  return { available: true, warnings, details: { bwrap, version: v, mode, cgroups: cgroups?.kind ?? null } };
}
