import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { TestDaemon } from "../helpers/daemon.js";
import { show, useDaemon, waitExited } from "./runtime-helpers.js";

// A start that reuses an ended runtime's name (a resume, a wake's resume, `runtime start`
// again) replaces its record only once the new program is under way: when the start fails,
// the ended record, its exit status and its files are all still there.
describe("a failed start keeps the ended record it would have replaced", () => {
  let d: TestDaemon;
  let c: RpcClient;
  useDaemon((dd) => (d = dd));
  beforeAll(async () => {
    c = await d.client();
  });

  it("the holder cannot be spawned: the old record stays; once it can, the name is replaced", async () => {
    await c.call("runtime.start", { name: "old", command: ["sh", "-c", "echo first-run; exit 3"], cwd: d.home });
    const ended = await waitExited(c, "old");
    expect(ended.exit_code).toBe(3);
    const before = await show(c, "old");
    // where holders put their sockets is a file now: every spawn fails before the program runs
    const rt = path.join(d.paths.runDir, "rt");
    fs.renameSync(rt, `${rt}.away`);
    fs.writeFileSync(rt, "");
    try {
      await expect(c.call("runtime.start", { name: "old", command: ["sh", "-c", "exit 0"], cwd: d.home })).rejects.toThrow();
      const after = await show(c, "old");
      expect(after).toMatchObject({ id: before.id, state: "exited", exit_code: 3 });
      expect(after.recordings).toEqual(before.recordings);
      for (const f of after.recordings) expect(fs.existsSync(f)).toBe(true);
    } finally {
      fs.rmSync(rt);
      fs.renameSync(`${rt}.away`, rt);
    }
    await c.call("runtime.start", { name: "old", command: ["sh", "-c", "exit 0"], cwd: d.home });
    const next = await waitExited(c, "old");
    expect(next.id).not.toBe(before.id);
    expect(next.exit_code).toBe(0);
  });
});
