import { connectDaemon } from "../client/index.js";
import type { SwarmPaths } from "../protocol/paths.js";

/** Kills every live runtime of a bench daemon: runtimes outlive the daemon by design, benches must not leak them. */
export async function killRuntimes(paths: SwarmPaths): Promise<void> {
  try {
    const c = await connectDaemon(paths, { autostart: false });
    const { runtimes } = await c.call<{ runtimes: { name: string; state: string }[] }>("runtime.list", {});
    for (const r of runtimes) if (r.state !== "exited" && r.state !== "lost") await c.call("runtime.kill", { name: r.name }).catch(() => {});
    c.close();
  } catch {
    // daemon already gone
  }
}
