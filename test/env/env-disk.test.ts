import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { errOf } from "../helpers/errors.js";
import { startWorld, type EnvWorld } from "./fixture.js";

// env.disk: what an environment's files take on the host, as the TUI's Environments view shows it.
describe("env.disk", () => {
  let w: EnvWorld;
  let c: RpcClient;
  beforeAll(async () => {
    w = await startWorld();
    c = await w.d.client();
  });
  afterAll(async () => w?.dispose());

  it("measures the environment's host folder, answers from memory for a while, and names an unknown environment", async () => {
    const env = await w.json<EnvRecord>(["env", "create", "roomy", "--repo", w.repo]);
    const empty = await c.call("env.disk", { name: "roomy" });
    expect(empty).toMatchObject({ name: "roomy", path: env.host_path });
    fs.writeFileSync(path.join(env.host_path!, "big.bin"), Buffer.alloc(3 * 1048576, 1));
    // the first answer is kept (a TUI asks on every selection): the same until it expires
    expect((await c.call("env.disk", { name: "roomy" })).bytes).toBe(empty.bytes);
    // a new daemon has measured nothing yet
    await w.d.stop();
    w.d = await w.d.restart();
    c = await w.d.client();
    const grown = await c.call("env.disk", { name: "roomy" });
    expect(grown.bytes! - empty.bytes!).toBeGreaterThanOrEqual(3 * 1048576);
    const missing = await errOf(c.call("env.disk", { name: "nope" }));
    expect(missing.kind).toBe("NOT_FOUND");
    const cli = await w.ctl(["env", "disk", "roomy"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^roomy: \d+\.\d MiB in /);
  });
});
