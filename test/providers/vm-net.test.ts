/**
 * VM networking (R-E10) on a real QEMU: `full` reaches the host through slirp, `none` has no
 * NIC, `proxy` gets out only through the allow-list proxy (403 for anything else, direct
 * connections dropped). Plus reclaim of an interrupted create.
 * The test's HTTP servers listen on the host's loopback; slirp maps 10.0.2.2 to it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidAlive } from "../../protocol/os.js";
import type { EnvSpec, NetMode } from "../../providers/types.js";
import { requireBase } from "../../providers/vm/base-image.js";
import { vmDirs } from "../../providers/vm/layout.js";
import type { Accel } from "../../providers/vm/qemu.js";
import { templateDir } from "../../providers/vm/template.js";
import { PROXY_URL } from "../../providers/vm/net.js";
import { createVmProvider, type VmProvider } from "../../providers/vm/provider.js";
import { waitFor } from "../helpers/daemon.js";
import { kindOf } from "../helpers/errors.js";
import { envTracker } from "./fixtures.js";
import { VM_SKIP_REASON, ensureTestBase, makeRepo, testContext } from "./vm-fixture.js";

const ctx = testContext();
let provider: VmProvider;
let repo: string;
const servers: http.Server[] = [];
let allowedPort = 0;
let otherPort = 0;
const envs = envTracker(() => provider);
const made = envs.made;
const create = envs.create;
const sh = envs.sh;

function spec(name: string, net: NetMode, proxyAllow?: string[]): EnvSpec {
  return { name, project: "p", repo, branch: `swarm/${name}`, cpus: 1, memoryMiB: 256, net, ...(proxyAllow ? { proxyAllow } : {}) };
}

async function serve(body: string): Promise<number> {
  const s = http.createServer((_req, res) => res.end(body));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as AddressInfo).port;
}

describe.skipIf(VM_SKIP_REASON !== null)(`vm networking and reclaim${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`, () => {
  beforeAll(async () => {
    provider = createVmProvider(ctx, { baseDir: await ensureTestBase() });
    repo = makeRepo();
    allowedPort = await serve("allowed-body\n");
    otherPort = await serve("other-body\n");
  }, 300_000);

  afterAll(async () => {
    await envs.cleanup();
    for (const s of servers) s.close();
    ctx.cleanup();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("lists every network mode as supported", () => {
    expect(provider.info().features.network).toEqual(["none", "proxy", "full"]);
  });

  it("full: the guest reaches a server on the host's loopback through 10.0.2.2", async () => {
    // a template build a dead daemon left midway, with a process still naming its pid file
    const { manifest } = requireBase(provider.baseDir);
    const tdir = templateDir(ctx.stateDir, manifest.image, { accel: (await provider.detect()).details?.accel as Accel, cpus: 1, memoryMiB: 256, net: "full" });
    fs.mkdirSync(tdir, { recursive: true });
    const leftover = spawn("sh", ["-c", "sleep 300", path.join(tdir, "qemu.pid")], { stdio: "ignore" });
    const h = await create(spec("netfull", "full"));
    await waitFor("the leftover of the interrupted template build to be ended", () => leftover.exitCode !== null || leftover.signalCode !== null);
    expect(h.data.bootedFrom).toBe("template"); // a template with a NIC, not a cold-boot fallback
    const r = await sh(h, `wget -q -O - http://10.0.2.2:${allowedPort}/`);
    expect(r, r.err).toMatchObject({ code: 0, out: "allowed-body\n" });
    expect((await sh(h, "echo $http_proxy")).out).toBe("\n");
    expect((await sh(h, "cat /etc/resolv.conf")).out).toBe("nameserver 10.0.2.3\n");
    // the NIC survives a checkpoint and restore (its state is saved with the VM's)
    await provider.checkpoint(h, "c1");
    const back = await provider.restore(h, "c1");
    expect((await sh(back, `wget -q -O - http://10.0.2.2:${otherPort}/`)).out).toBe("other-body\n");
  }, 180_000);

  it("none: no interface but lo, and the host is unreachable", async () => {
    const h = await create(spec("netnone", "none"));
    expect((await sh(h, "ls /sys/class/net")).out.trim()).toBe("lo");
    const r = await sh(h, `wget -q -T 2 -O - http://10.0.2.2:${allowedPort}/`);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe("");
  }, 180_000);

  it("proxy: allow-listed hosts answer through the proxy, others get 403, direct connections fail", async () => {
    const h = await create(spec("netproxy", "proxy", [`127.0.0.1:${allowedPort}`]));
    expect(h.data.bootedFrom).toBe("template");
    const env = await sh(h, 'echo "$http_proxy $HTTPS_PROXY"');
    expect(env.out).toBe(`${PROXY_URL} ${PROXY_URL}\n`);
    const ok = await sh(h, `wget -q -O - http://127.0.0.1:${allowedPort}/`);
    expect(ok, ok.err).toMatchObject({ code: 0, out: "allowed-body\n" });
    // one bridge per connection: concurrent connections do not share (or wait on) one stream
    const many = await sh(h, `for i in 1 2 3 4; do wget -q -O - http://127.0.0.1:${allowedPort}/ & done; wait`);
    expect(many.out).toBe("allowed-body\n".repeat(4));
    const denied = await sh(h, `wget -O - http://127.0.0.1:${otherPort}/`);
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/403/);
    expect(denied.out).not.toContain("other-body");
    const log = path.join(h.data.dir as string, "proxy.log");
    expect(fs.readFileSync(log, "utf8")).toContain(`127.0.0.1:${otherPort}`);
    // not through the proxy: restrict=on drops it
    const direct = await sh(h, `wget -Y off -q -T 2 -O - http://10.0.2.2:${allowedPort}/`);
    expect(direct.code).not.toBe(0);
    expect(direct.out).toBe("");
    const nc = await sh(h, `echo x | nc -w 2 10.0.2.2 ${allowedPort}`);
    expect(nc.out).toBe("");
    // no DNS server in proxy mode: lookups fail at once, the proxy resolves names
    expect((await sh(h, "cat /etc/resolv.conf 2>/dev/null")).out).not.toContain("nameserver");
    // PTYs get the proxy too
    const cmd = await provider.ptyCommand(h, ["sh"]);
    expect(cmd.env.SWARMVM_ENV_https_proxy).toBe(PROXY_URL);
    // a proxy that died (the VM outlives it) comes back with the next command
    const pidFile = vmDirs(h.data.dir as string).proxyPid;
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    process.kill(pid, "SIGKILL");
    await waitFor("the proxy to die", () => !pidAlive(pid));
    const again = await sh(h, `wget -q -O - http://127.0.0.1:${allowedPort}/`);
    expect(again.out).toBe("allowed-body\n");
    expect(Number(fs.readFileSync(pidFile, "utf8"))).not.toBe(pid);
  }, 180_000);

  it("refuses to restore a checkpoint taken with another network mode", async () => {
    const h = made.find((x) => x.name === "netfull")!;
    const root = vmDirs(h.data.dir as string).checkpoints;
    const real = JSON.parse(fs.readFileSync(path.join(root, "c1", "info.json"), "utf8")) as Record<string, unknown>;
    fs.mkdirSync(path.join(root, "nonet"));
    fs.writeFileSync(path.join(root, "nonet", "info.json"), JSON.stringify({ ...real, name: "nonet", net: "none" }));
    expect(await kindOf(provider.restore(h, "nonet"))).toMatch(/^CONFLICT: .*network "none".*network "full"/);
    expect(await kindOf(provider.create({ ...spec("netbad", "none"), net: "wifi" as NetMode }))).toMatch(/^INVALID_ARGUMENT: unknown network mode "wifi"/);
  }, 30_000);

  it("reclaim removes a fully made VM (its QEMU too), so the name can be created again", async () => {
    const h = await provider.create(spec("reclaimed", "full"));
    const d = vmDirs(h.data.dir as string);
    const qemu = Number(fs.readFileSync(d.qemuPid, "utf8"));
    // as if the daemon died before recording the handle: reclaim works from the spec alone
    await provider.reclaim(spec("reclaimed", "full"));
    expect(pidAlive(qemu)).toBe(false);
    expect(fs.existsSync(d.dir)).toBe(false);
    expect(fs.existsSync(d.sockDir)).toBe(false);
    const h2 = await create(spec("reclaimed", "full"));
    expect((await sh(h2, "echo back")).out).toBe("back\n");
  }, 180_000);

  it("reclaim of a half-made or never-made name is a no-op apart from the name's own files", async () => {
    const half = path.join(ctx.stateDir, "envs", "half", "layers");
    fs.mkdirSync(half, { recursive: true });
    await provider.reclaim(spec("half", "none"));
    expect(fs.existsSync(path.dirname(half))).toBe(false);
    const before = fs.readdirSync(path.join(ctx.stateDir, "envs")).sort();
    await provider.reclaim(spec("never-made", "none"));
    expect(fs.readdirSync(path.join(ctx.stateDir, "envs")).sort()).toEqual(before);
  }, 30_000);
});
