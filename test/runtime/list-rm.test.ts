import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import type { Runtime } from "../../protocol/methods/runtime.js";
import { deadlineMs, startDaemon, swarmctl, type TestDaemon } from "../helpers/daemon.js";
import { killAll, waitExited, waitScreen } from "./runtime-helpers.js";

describe("runtime list hides finished runtimes; runtime rm removes one", () => {
  let d: TestDaemon;
  let c: RpcClient;
  const ctl = (...args: string[]) => swarmctl(d.env, ["--no-autostart", ...args]);
  const names = async (...args: string[]) => {
    const r = await ctl("--json", "runtime", "list", ...args);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Runtime[]).map((x) => x.name).sort();
  };
  beforeAll(async () => {
    d = await startDaemon();
    c = await d.client();
  });
  afterAll(async () => {
    await killAll(d);
    await d?.stop();
  });

  it("lists live ones by default, every one with --all; rm forgets an exited one and refuses a live one", async () => {
    await c.call("runtime.start", { name: "done1", command: ["true"], cwd: d.home });
    await c.call("runtime.start", { name: "live1", command: ["sleep", "600"], cwd: d.home });
    await waitExited(c, "done1");

    expect(await names()).toEqual(["live1"]);
    expect(await names("--all")).toEqual(["done1", "live1"]);
    const human = await ctl("runtime", "list");
    expect(human.stdout).toMatch(/^live1 /m);
    expect(human.stdout).not.toMatch(/^done1 /m);
    expect(human.stdout).toContain("(1 exited or lost not shown: `runtime list --all` lists them, `runtime rm NAME` removes one)");
    expect((await ctl("runtime", "list", "-a")).stdout).toMatch(/^done1 +exited/m);

    const rm = await ctl("runtime", "rm", "done1");
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toBe("removed done1\n");
    expect(await names("--all")).toEqual(["live1"]);
    expect((await ctl("runtime", "list")).stdout).not.toContain("not shown");

    const busy = await ctl("runtime", "rm", "live1");
    expect(busy.code).toBe(5);
    expect(busy.stderr).toMatch(/runtime live1 is \w+; stop it before removing it/);
    expect(busy.stderr).toContain("hint: swarmctl runtime stop live1");
    const ghost = await ctl("runtime", "rm", "ghost");
    expect(ghost.code).toBe(3);
    expect(ghost.stderr).toMatch(/no runtime named "ghost"/);
  }, 60_000);

  it("OUTPUT shows a runtime's last output at once, not after the next heartbeat (10 s)", async () => {
    await c.call("runtime.start", { name: "talker", command: ["sh", "-c", "echo hello-there; exec sleep 600"], cwd: d.home });
    await waitScreen(c, "talker", "its greeting", (t) => t.includes("hello-there"));
    const row = (JSON.parse((await ctl("--json", "runtime", "list")).stdout) as Runtime[]).find((r) => r.name === "talker")!;
    expect(row.last_output_at).not.toBeNull();
    expect(Date.now() - Date.parse(row.last_output_at!)).toBeLessThan(deadlineMs(10_000));
    expect((await ctl("runtime", "list")).stdout).toMatch(/^talker +\w+ +custom +\d+ +\d+s ago /m);
  }, 30_000);
});
