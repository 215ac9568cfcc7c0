import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemon, swarmctl, tempHome, type TestDaemon } from "../helpers/daemon.js";
import { show, waitExited, waitScreen, killAll } from "./runtime-helpers.js";

describe("recording rotation and graceful restarts", () => {
  let d: TestDaemon;
  beforeAll(async () => {
    const home = tempHome();
    fs.writeFileSync(home.paths.configFile, JSON.stringify({ runtime: { recording_max_bytes: 65536, recording_keep: 2 } }));
    d = await startDaemon({ home });
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("recordings are size-capped and rotated; logs prints what is kept, oldest first", async () => {
    const c = await d.client();
    await c.call("runtime.start", { name: "chatty", command: ["sh", "-c", "seq 1 300000"], cwd: d.home });
    await waitExited(c, "chatty");
    const r = await show(c, "chatty");
    expect(r.recordings.map((f) => path.basename(f))).toEqual(["output.2.cast", "output.1.cast", "output.cast"]);
    for (const f of r.recordings) {
      const text = fs.readFileSync(f, "utf8");
      expect(JSON.parse(text.split("\n")[0]!)).toMatchObject({ version: 2, width: 120, height: 40 });
      // A file rotates before the event that would pass the cap, and a big read is cut into
      // events far smaller than the cap: no file is over it, however the reads came.
      expect(fs.statSync(f).size).toBeLessThanOrEqual(65536);
    }
    const logs = await swarmctl(d.env, ["logs", "chatty"]);
    // The oldest kept file may start mid-line (rotation cuts by size): drop that fragment.
    const nums = logs.stdout.trim().split("\n").slice(1).map(Number);
    expect(nums[nums.length - 1]).toBe(300000);
    // Contiguous: rotation loses nothing between the files that are kept.
    nums.forEach((n, i) => i > 0 && expect(n).toBe(nums[i - 1]! + 1));
    expect(nums[0]).toBeGreaterThan(1);
  }, 30_000);

  it("a graceful daemon stop leaves runtimes running; the next daemon picks them up", async () => {
    let c = await d.client();
    await c.call("runtime.start", { name: "calm", command: ["sh", "-c", "echo before-stop; read x; echo after-$x; sleep 30"], cwd: d.home });
    await waitScreen(c, "calm", "before-stop", (t) => t.includes("before-stop"));
    const pid = (await show(c, "calm")).pid!;
    expect(await d.stop()).toBe(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    d = await d.restart();
    c = await d.client();
    await c.call("runtime.input", { name: "calm", data: "restart\r" });
    const text = await waitScreen(c, "calm", "after-restart", (t) => t.includes("after-restart"));
    expect(text).toContain("before-stop");
    await c.call("runtime.kill", { name: "calm" });
  }, 30_000);
});
