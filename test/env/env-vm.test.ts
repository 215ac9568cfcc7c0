import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../protocol/methods/env.js";
import { ensureTestBase, VM_SKIP_REASON } from "../providers/vm-fixture.js";
import { startWorld, type EnvWorld } from "./fixture.js";

let w: EnvWorld | null = null;
beforeAll(async () => {
  if (VM_SKIP_REASON) return;
  const base = await ensureTestBase();
  w = await startWorld({ extraEnv: { SWARM_VM_BASE_DIR: base } });
}, 600_000);
afterAll(async () => {
  await w?.dispose();
});

describe("env commands through the vm provider", () => {
  it.skipIf(VM_SKIP_REASON !== null)(
    `create shows boot progress, run passes exit codes and secrets, delete${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`,
    async () => {
      const x = w!;
      expect((await x.ctl(["secret", "set", "VM_SECRET", "inside-the-vm"])).code).toBe(0);
      const c = await x.ctl(["env", "create", "vm1", "--provider", "vm", "--repo", x.repo, "--cpus", "1", "--memory", "512M"], { timeoutMs: 120_000 });
      expect(c.code, c.stderr).toBe(0);
      expect(c.stderr).toMatch(/vm1: create done 1\/1/);
      const e = await x.json<EnvRecord>(["env", "show", "vm1"]);
      expect(e).toMatchObject({ provider: "vm", state: "running", cpus: 1, memory_mib: 512 });
      expect(e.capabilities.net).toBe("none");
      const u = await x.ctl(["env", "run", "vm1", "--", "uname", "-s"], { timeoutMs: 60_000 });
      expect(u.code, u.stderr).toBe(0);
      expect(u.stdout.trim()).toBe("Linux");
      const s = await x.ctl(["env", "run", "vm1", "--", "sh", "-c", 'printf "%s" "$VM_SECRET"; exit 6'], { timeoutMs: 60_000 });
      expect(s.code).toBe(6);
      expect(s.stdout).toBe("inside-the-vm");
      const res = await x.json<{ used_cpus: number; used_memory_mib: number }>(["env", "resources"]);
      expect(res).toMatchObject({ used_cpus: 1, used_memory_mib: 512 });
      expect((await x.ctl(["env", "delete", "vm1", "--force"], { timeoutMs: 60_000 })).code).toBe(0);
      expect((await x.json<{ used_cpus: number }>(["env", "resources"])).used_cpus).toBe(0);
    },
  );

  it.skipIf(VM_SKIP_REASON !== null)(
    "create --net proxy --proxy-allow: the allow-listed host answers through the proxy, others get 403",
    async () => {
      const x = w!;
      const srv = http.createServer((_req, res) => res.end("through-the-proxy\n"));
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      const port = (srv.address() as AddressInfo).port;
      try {
        const c = await x.ctl(
          [
            "env",
            "create",
            "vmp",
            "--provider",
            "vm",
            "--repo",
            x.repo,
            "--cpus",
            "1",
            "--memory",
            "256M",
            "--net",
            "proxy",
            "--proxy-allow",
            `127.0.0.1:${port}`,
          ],
          { timeoutMs: 120_000 },
        );
        expect(c.code, c.stderr).toBe(0);
        const e = await x.json<EnvRecord>(["env", "show", "vmp"]);
        expect(e.capabilities).toMatchObject({ net: "proxy", proxy_allow: [`127.0.0.1:${port}`] });
        const ok = await x.ctl(["env", "run", "vmp", "--", "wget", "-q", "-O", "-", `http://127.0.0.1:${port}/`], { timeoutMs: 60_000 });
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout.trim()).toBe("through-the-proxy"); // env run may go through a PTY (CRLF)
        const denied = await x.ctl(["env", "run", "vmp", "--", "wget", "-O", "-", "http://example.invalid/"], { timeoutMs: 60_000 });
        expect(denied.code).not.toBe(0);
        expect(denied.stdout + denied.stderr).toMatch(/403/);
        expect((await x.ctl(["env", "delete", "vmp", "--force"], { timeoutMs: 60_000 })).code).toBe(0);
      } finally {
        srv.close();
      }
    },
    180_000,
  );
});
