import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Thread } from "../../protocol/thread/model.js";
import { startDaemon, swarmctl, waitFor, type TestDaemon } from "../helpers/daemon.js";
import { errOf } from "../helpers/errors.js";
import { rpc } from "./helpers.js";

type Server = { command: string; args: string[]; env: Record<string, string> };

// A stand-in `claude` on the daemon's PATH: records the argv the daemon gave it, then waits like an idle agent.
const FAKE_CLAUDE = `#!/bin/sh
printf '%s\\n' "$@" > "$ARGV_FILE"
exec sleep 600
`;

/** Posts through the bridge server a runtime was given, with the MCP SDK's client; returns the message's author. */
async function postThrough(server: Server, thread: string, body: string): Promise<string> {
  const client = new Client({ name: "runtime-bridge-test", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ ...server, stderr: "pipe" }));
  try {
    const r = (await client.callTool({ name: "post_message", arguments: { id: thread, body } })) as CallToolResult;
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    return (r.structuredContent as { message: { author: string } }).message.author;
  } finally {
    await client.close();
  }
}

describe("runtimes of agent kind claude get the thread bridge with no setup", () => {
  let d: TestDaemon;
  let bin: string;
  beforeAll(async () => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-fake-claude-"));
    fs.writeFileSync(path.join(bin, "claude"), FAKE_CLAUDE, { mode: 0o755 });
    d = await startDaemon({ extraEnv: { PATH: `${bin}:${process.env.PATH}` } });
  });
  afterAll(async () => {
    await d.stop();
  });

  it("a private --mcp-config whose server posts as the runtime's agent; the token is in no argv, list or recording", async () => {
    const c = await d.client();
    const argvFile = path.join(bin, "argv.txt");
    const thread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "bridged", participants: [{ agent_id: "rev1" }] })).thread;
    await rpc(c, "runtime.start", { name: "rev1", agent: "claude", command: [], cwd: bin, vars: { ARGV_FILE: argvFile } });
    const argv = (await waitFor("the stand-in claude to record its argv", () => (fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : null)))
      .trim()
      .split("\n");
    const at = argv.indexOf("--mcp-config");
    expect(at).toBeGreaterThanOrEqual(0);
    const file = argv[at + 1]!;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const server = (JSON.parse(fs.readFileSync(file, "utf8")) as { mcpServers: { swarm: Server } }).mcpServers.swarm;
    const token = server.env.SWARM_AGENT_TOKEN!;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(argv.join(" ")).not.toContain(token);
    const list = await swarmctl(d.env, ["--no-autostart", "--json", "runtime", "list", "--all"]);
    expect(list.stdout).toContain("rev1");
    expect(list.stdout).not.toContain(token);

    expect(await postThrough(server, thread.id, "from the bridge")).toBe("rev1");
    await rpc(c, "runtime.kill", { name: "rev1", signal: "SIGKILL" });
  });

  it("--agent-id: the bridge posts as that id, runtime show says it, and a wake for that participant targets the runtime", async () => {
    const c = await d.client();
    const argvFile = path.join(bin, "argv-id.txt");
    const start = await swarmctl(d.env, [
      "--json",
      "runtime",
      "start",
      "rev2",
      "--agent",
      "claude",
      "--agent-id",
      "reviewer-7",
      "--cwd",
      bin,
      "--var",
      `ARGV_FILE=${argvFile}`,
    ]);
    expect(start.code, start.stderr).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ name: "rev2", agent_id: "reviewer-7" });
    const argv = (await waitFor("the stand-in claude to record its argv", () => (fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : null)))
      .trim()
      .split("\n");
    const server = (JSON.parse(fs.readFileSync(argv[argv.indexOf("--mcp-config") + 1]!, "utf8")) as { mcpServers: { swarm: Server } }).mcpServers.swarm;
    const thread = (await rpc<{ thread: Thread }>(c, "thread.create", { title: "by id", participants: [{ agent_id: "lead" }, { agent_id: "reviewer-7" }] }))
      .thread;
    expect(await postThrough(server, thread.id, "as my id")).toBe("reviewer-7");
    await rpc(c, "thread.post", { id: thread.id, as: "lead", body: "over to you" });
    const wake = await waitFor("a wake for reviewer-7", async () =>
      (await rpc<{ wakes: { participant: string; target: string | null }[] }>(c, "wake.list", { thread: thread.id, limit: 5 })).wakes.find(
        (w) => w.participant === "reviewer-7",
      ),
    );
    expect(wake.target).toBe("rev2");
    await rpc(c, "runtime.kill", { name: "rev2", signal: "SIGKILL" });
  });

  it("a working directory that does not exist is refused before a token is minted or a config written", async () => {
    const c = await d.client();
    const err = await errOf(rpc(c, "runtime.start", { name: "nowhere", agent: "claude", command: [], cwd: path.join(bin, "no-such-dir") }));
    expect(err.kind).toBe("INVALID_ARGUMENT");
    expect(err.message).toContain("no-such-dir");
    expect(fs.existsSync(path.join(d.paths.dataDir, "bridge", "nowhere"))).toBe(false);
  });

  it("a command the user named (not the agent CLI itself) is left as it is", async () => {
    const c = await d.client();
    const argvFile = path.join(bin, "argv2.txt");
    await rpc(c, "runtime.start", {
      name: "own",
      agent: "claude",
      command: ["sh", "-c", 'printf "%s\\n" "$@" > "$0"; exec sleep 600', argvFile, "x"],
      cwd: bin,
    });
    const argv = await waitFor("the command to record its argv", () => (fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : null));
    expect(argv).toBe("x\n");
    await rpc(c, "runtime.kill", { name: "own", signal: "SIGKILL" });
  });
});
