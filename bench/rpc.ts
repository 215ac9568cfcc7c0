import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmt, LineClient, machine, percentile, ROOT } from "./lib.js";

const CALLS_SINGLE = 5000;
const CLIENTS = 32;
const CALLS_PER_CLIENT = 500;

async function waitReady(proc: ChildProcess, socket: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`peer exited with ${proc.exitCode}`);
    try {
      const c = await LineClient.open(socket);
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`no answer on ${socket}`);
}

interface Result {
  p50: number;
  p99: number;
  rate: number;
}

async function measure(socket: string, method: string, clients: number, perClient: number): Promise<Result> {
  const conns = await Promise.all(Array.from({ length: clients }, () => LineClient.open(socket)));
  for (const c of conns) for (let i = 0; i < 50; i++) await c.call(method, { data: i }); // warm-up
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      for (let i = 0; i < perClient; i++) {
        const s = performance.now();
        await c.call(method, { data: i });
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  conns.forEach((c) => c.close());
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50) * 1000, p99: percentile(lat, 99) * 1000, rate: (clients * perClient) / secs };
}

/**
 * Median wall time of each command, run round-robin (one of each per round) so that drift
 * on a shared machine hits every command alike; the first round warms the page cache.
 */
function interleavedMedians(cmds: Record<string, string[]>, env: NodeJS.ProcessEnv, runs: number): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i <= runs; i++) {
    for (const [name, argv] of Object.entries(cmds)) {
      const t = performance.now();
      const r = spawnSync(argv[0]!, argv.slice(1), { env, stdio: "ignore" });
      if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}`);
      if (i > 0) times[name]!.push(performance.now() - t);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([k, ts]) => [
      k,
      percentile(
        [...ts].sort((a, b) => a - b),
        50,
      ),
    ]),
  );
}

export async function run(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-bench-rpc-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  const daemonSock = path.join(home, "run/swarmd.sock");
  const echoSock = path.join(home, "echo.sock");
  const daemon = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  const echo = spawn(process.execPath, [path.join(ROOT, "dist/bench/echo-server.js"), echoSock], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await waitReady(daemon, daemonSock);
    await waitReady(echo, echoSock);
    const rows: string[] = [];
    for (const [clients, per] of [
      [1, CALLS_SINGLE],
      [CLIENTS, CALLS_PER_CLIENT],
    ] as const) {
      // Alternate peers so drift on a shared machine hits both.
      const raw = await measure(echoSock, "echo", clients, per);
      const ours = await measure(daemonSock, "daemon.ping", clients, per);
      rows.push(
        `| ${clients} | ${fmt(ours.p50, 0)} / ${fmt(ours.p99, 0)} | ${fmt(raw.p50, 0)} / ${fmt(raw.p99, 0)} | **${fmt(ours.p50 / raw.p50, 2)}x** | ${fmt(ours.rate, 0)} | ${fmt(raw.rate, 0)} |`,
      );
    }
    const runs = 21;
    const ctl = path.join(ROOT, "bin/swarmctl.js");
    const wall = interleavedMedians(
      {
        nodeBare: [process.execPath, "-e", "0"],
        status: [process.execPath, ctl, "daemon", "status"],
        tickets: [process.execPath, ctl, "ticket", "list"],
        help: [process.execPath, ctl, "--help"],
      },
      env,
      runs,
    );
    const { nodeBare, status, tickets, help } = wall as Record<"nodeBare" | "status" | "tickets" | "help", number>;
    return [
      `## RPC round trip and CLI start-up`,
      ``,
      `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- rpc\`.`,
      ``,
      `Round trip of \`daemon.ping\` through swarmd (JSON-RPC dispatch, schema validation, logging) against a raw newline-JSON echo over a Unix socket (\`bench/echo-server.ts\`), same client code, same run. Latency in µs.`,
      ``,
      `| clients | swarmd p50 / p99 | raw echo p50 / p99 | p50 ratio (goal ≤ 1.5x) | swarmd calls/s | raw calls/s |`,
      `|---|---|---|---|---|---|`,
      ...rows,
      ``,
      `One-shot CLI wall time, median of ${runs} runs, the four commands taking turns (daemon already running):`,
      ``,
      `| command | ms | ratio to \`node -e 0\` (goal ≤ 1.5x) |`,
      `|---|---|---|`,
      `| \`node -e 0\` | ${fmt(nodeBare, 0)} | 1.00x |`,
      `| \`swarmctl daemon status\` | ${fmt(status, 0)} | **${fmt(status / nodeBare, 2)}x** |`,
      `| \`swarmctl ticket list\` | ${fmt(tickets, 0)} | ${fmt(tickets / nodeBare, 2)}x |`,
      `| \`swarmctl --help\` | ${fmt(help, 0)} | ${fmt(help / nodeBare, 2)}x |`,
    ].join("\n");
  } finally {
    daemon.kill("SIGTERM");
    echo.kill("SIGTERM");
  }
}
