import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "../../client/index.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { ensureTestBase, makeRepo, VM_SKIP_REASON } from "../providers/vm-fixture.js";
import { killAll } from "../runtime/runtime-helpers.js";
import { rpc } from "./helpers.js";

/**
 * Agents and the thread bridge in a VM environment (a real QEMU guest from the test base
 * image). The guest is a busybox root: no node, so neither an agent CLI nor `swarmctl mcp`
 * runs there, and it cannot reach the daemon's socket. runtime.start of an agent kind that
 * would get the bridge is refused before a token is minted, naming why and what to do; a
 * command of the user's own still starts there, with the runtime's variables.
 */

let d: TestDaemon | null = null;
let c: RpcClient;
let repo = "";

beforeAll(async () => {
  if (VM_SKIP_REASON) return;
  const base = await ensureTestBase();
  repo = makeRepo();
  d = await startDaemon({ extraEnv: { SWARM_VM_BASE_DIR: base } });
  c = await d.client();
  await rpc(c, "env.create", { name: "vm-agents", provider: "vm", repo, cpus: 1, memory_mib: 512 });
}, 600_000);
afterAll(async () => {
  if (d) {
    await killAll(d);
    await rpc(c, "env.delete", { name: "vm-agents", force: true }).catch(() => undefined);
    await d.stop();
  }
  if (repo) fs.rmSync(repo, { recursive: true, force: true });
});

describe(`agents in a VM environment${VM_SKIP_REASON ? ` (skipped: ${VM_SKIP_REASON})` : ""}`, () => {
  it.skipIf(VM_SKIP_REASON !== null)(
    "runtime.start of claude, codex, gemini or scripted is refused before anything is minted or written: the error names the VM and what to do",
    async () => {
      for (const agent of ["claude", "codex", "gemini", "scripted"]) {
        const e = await errOf(rpc(c, "runtime.start", { name: `vm-${agent}`, agent, command: [], env: "vm-agents" }));
        expect(e.kind).toBe("INVALID_ARGUMENT");
        expect(e.message).toContain(`agent ${agent} cannot run in environment vm-agents: it is a VM`);
        expect(e.message).toContain("no node");
        expect(e.hint).toContain("--provider sandbox");
        expect(e.details).toMatchObject({ reason: "no_bridge_in_vm", agent, env: "vm-agents" });
        expect(fs.existsSync(path.join(d!.paths.dataDir, "bridge", `vm-${agent}`))).toBe(false);
      }
      // the CLI prints the same, with the hint
      const cli = await swarmctl(d!.env, ["--no-autostart", "runtime", "start", "vm-cli", "--agent", "claude", "--env", "vm-agents"]);
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toMatch(/cannot run in environment vm-agents: it is a VM/);
      expect(cli.stderr).toContain("swarmctl runtime start NAME --env vm-agents -- COMMAND");
    },
    120_000,
  );

  it.skipIf(VM_SKIP_REASON !== null)(
    "a command of one's own starts there and gets the runtime's variables (SWARM_THREAD_ID…); the guest has no node",
    async () => {
      const script = 'printf "thread=%s ticket=%s node=%s\\n" "$SWARM_THREAD_ID" "$SWARM_TICKET_ID" "$(command -v node || echo none)"; exec sleep 600';
      await rpc(c, "runtime.start", {
        name: "vm-own",
        agent: "custom",
        command: ["sh", "-c", script],
        env: "vm-agents",
        vars: { SWARM_THREAD_ID: "th-5", SWARM_TICKET_ID: "T-3" },
      });
      const screen = await waitFor(
        "the guest program to print its variables",
        async () => {
          const text = (await rpc<{ lines: string[] }>(c, "runtime.screen", { name: "vm-own" })).lines.join("\n");
          return text.includes("node=") ? text : null;
        },
        60_000,
        200,
      );
      expect(screen).toContain("thread=th-5 ticket=T-3 node=none");
    },
    120_000,
  );
});
