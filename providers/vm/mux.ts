/**
 * The per-VM multiplexer, run as its own detached process (`node mux.js AGENT_SOCK MUX_SOCK`)
 * so that VMs and their shells outlive the daemon. QEMU's chardev socket takes one client;
 * this process is that client and lets any number of host processes (the daemon's exec, PTY
 * clients) each own one channel over it: one connection to MUX_SOCK = one channel.
 * It exits when QEMU closes the agent socket (the VM is gone).
 */
import fs from "node:fs";
import { randomInt } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { EXIT } from "../../protocol/exit-codes.js";
import { waitUntil } from "../../protocol/wait.js";
import { F, FrameReader, encodeFrame } from "./frames.js";

/** QEMU creates the agent socket as it starts: retry until it accepts. */
function connectAgent(sock: string, timeoutMs: number): Promise<net.Socket> {
  const attempt = () =>
    new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(sock);
      s.once("connect", () => resolve(s));
      s.once("error", () => resolve(null));
    });
  return waitUntil(`QEMU's agent socket ${sock} to accept`, attempt, { timeoutMs, everyMs: 10 });
}

async function main(): Promise<void> {
  const [agentSock, muxSock] = parseArgs({ args: process.argv.slice(2), options: {}, allowPositionals: true }).positionals;
  if (!agentSock || !muxSock) {
    process.stderr.write("usage: mux AGENT_SOCK MUX_SOCK\n");
    process.exit(EXIT.usage);
  }
  const agent = await connectAgent(agentSock, 30_000);
  const clients = new Map<number, { sock: net.Socket; pty: boolean }>();
  // A restarted mux must not reuse ids of commands an earlier one left running in the guest.
  let next = randomInt(1, 2 ** 30);

  const reader = new FrameReader((f) => {
    const c = clients.get(f.chan);
    if (!c) return;
    c.sock.write(encodeFrame(f.type, 0, f.payload));
    if (f.type === F.EXIT || f.type === F.PONG) {
      clients.delete(f.chan);
      c.sock.end();
    }
  });
  agent.on("data", (d: Buffer) => reader.push(d));
  const shutdown = () => {
    try {
      fs.unlinkSync(muxSock);
      fs.rmdirSync(path.dirname(muxSock)); // the VM's socket folder, empty once QEMU is gone
    } catch {
      /* already gone, or QEMU's sockets still there */
    }
    process.exit(EXIT.ok);
  };
  agent.on("close", shutdown);
  agent.on("error", shutdown);

  try {
    fs.unlinkSync(muxSock);
  } catch {
    /* none left over */
  }
  const server = net.createServer((sock) => {
    const chan = next++;
    let opened = false;
    const r = new FrameReader((f) => {
      if (f.type === F.OPEN) {
        opened = true;
        clients.set(chan, { sock, pty: f.payload.subarray(0, 4).toString() === "pty\0" });
      } else if (f.type === F.PING) {
        clients.set(chan, { sock, pty: false });
      }
      agent.write(encodeFrame(f.type, chan, f.payload));
    });
    sock.on("data", (d: Buffer) => r.push(d));
    sock.on("error", () => sock.destroy());
    sock.on("close", () => {
      const c = clients.get(chan);
      if (c && opened) {
        // The client went away mid-command: end the command the way a closed terminal would.
        const sig = Buffer.from([c.pty ? 1 : 9]);
        agent.write(encodeFrame(F.SIGNAL, chan, sig));
      }
      clients.delete(chan);
    });
  });
  server.listen(muxSock);
}

main().catch((e: unknown) => {
  process.stderr.write(`swarm vm mux: ${String(e)}\n`);
  process.exit(EXIT.failed);
});
