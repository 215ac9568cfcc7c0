import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { defaultConfig, type Config } from "../protocol/config/schema.js";
import type { MethodDef } from "../protocol/method.js";
import { resolvePaths } from "../protocol/paths.js";
import { waitUntil } from "../protocol/wait.js";
import { AuditLog } from "../daemon/audit/log.js";
import { auditMigrations } from "../daemon/audit/migrations.js";
import type { DaemonContext } from "../daemon/context.js";
import { EventLog } from "../daemon/events/event-log.js";
import { Guard } from "../daemon/identity/guard.js";
import { identityMigrations } from "../daemon/identity/migrations.js";
import { TokenStore } from "../daemon/identity/tokens.js";
import { loadOrCreateKey } from "../daemon/keys/ed25519.js";
import { nullLogger } from "../daemon/log/logger.js";
import type { CallContext, HandlerEntry } from "../daemon/rpc/handler.js";
import { migrate, openDatabase } from "../daemon/store/db.js";
import { threadDomain } from "../daemon/thread/domain.js";
import { threadMigrations } from "../daemon/thread/migrations.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";

/**
 * Threads (issue 10): durable `thread.post` throughput through the real handler (identity
 * check, seq, loop breakers, its event, the author's cursor, its audit row: one transaction)
 * against the raw SQLite floor of the same five writes, in the same run; then the post →
 * read_messages round trip of an agent through `swarmctl mcp` (stdio, the MCP SDK's client)
 * against the same two calls on the daemon's socket.
 */
const N = Number(process.env.BENCH_POSTS ?? 3000);
const RTT_N = Number(process.env.BENCH_THREAD_RTT ?? 300);
/** fsync times swing with what else the disk does: more rounds, a steadier median */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const nonce = () => randomBytes(12).toString("base64url");

/** The thread domain in-process on a fresh database (synchronous=FULL), as daemon/assemble.ts builds it. */
export function inProcess(): { call(def: string, params: Record<string, unknown>): unknown; db: Database.Database; mint(agent: string): string } {
  const home = tmp("bench-threads-");
  const db = openDatabase(path.join(home, "swarm.db"));
  db.pragma(`synchronous = ${process.env.BENCH_SYNC ?? "FULL"}`);
  migrate(db, { audit: auditMigrations, identity: identityMigrations, thread: threadMigrations });
  const logger = nullLogger();
  const events = new EventLog(db, logger);
  const cfg: Config = defaultConfig();
  cfg.threads.rate_limit = { messages_per_minute: 100000, burst: 100000 };
  cfg.threads.no_progress_turns = 10000;
  const ctx = { paths: resolvePaths({ SWARM_HOME: home }), db, events, logger, startedAt: new Date(), cfg: () => cfg } as unknown as DaemonContext;
  const audit = new AuditLog(db);
  const tokens = new TokenStore(db, loadOrCreateKey(home));
  const guard = new Guard(tokens, audit, (fn) => events.transactor.run(fn));
  const domain = threadDomain(ctx, { guard, audit, assertTicket: () => {} });
  const byName = new Map<string, HandlerEntry>(domain.handlers.map((h) => [h.method.name, h]));
  const call: CallContext = {
    connection: { id: 1, client: "bench" } as CallContext["connection"],
    requestId: "bench",
    logger,
  };
  return {
    db,
    call: (name, params) => {
      const h = byName.get(name)!;
      return h.fn((h.method as MethodDef).params.parse(params), call);
    },
    mint: (agent) => tokens.mint({ agent_id: agent, workspace_id: "default", role: "participant", session_id: agent, ttl_ms: 3600_000 }, "bench").token,
  };
}

/** Throughput of a run, and the process's CPU per post (less swayed by other load on the host than posts/s). */
interface Run {
  rate: number;
  cpuUs: number;
}

/** Posts per second through thread.post: as the operator, or as an agent (token verified, nonce recorded). */
export function ours(asAgent: boolean): Run {
  const d = inProcess();
  const { thread } = d.call("thread.create", { title: "bench", participants: [{ agent_id: "a1" }] }) as { thread: { id: string } };
  const token = d.mint("a1");
  const auth = () => (asAgent ? { auth: { token, nonce: nonce() } } : {});
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++)
    d.call("thread.post", { id: thread.id, body: `message ${i} with a body of typical length for a status line`, progress: true, ...auth() });
  const cpu = process.cpuUsage(c0);
  const s = (performance.now() - t0) / 1000;
  const n = (d.db.prepare("SELECT COUNT(*) AS n FROM thread_messages").get() as { n: number }).n;
  if (n !== N) throw new Error(`ours: ${n} of ${N} posts stored`);
  d.db.close();
  return { rate: N / s, cpuUs: (cpu.user + cpu.system) / N };
}

/**
 * SQLite statements one post runs (BEGIN and COMMIT not counted), by wrapping the statement
 * methods for the length of the count: two participants, alternating progress, as an agent
 * or as the operator.
 */
export function statementsPerPost(asAgent: boolean): number {
  const d = inProcess();
  const { thread } = d.call("thread.create", { title: "count", participants: [{ agent_id: "a1" }, { agent_id: "a2" }] }) as { thread: { id: string } };
  const token = d.mint("a1");
  const proto = Object.getPrototypeOf(d.db.prepare("SELECT 1")) as Record<string, (...a: unknown[]) => unknown>;
  const saved = { run: proto.run!, get: proto.get!, all: proto.all! };
  let n = 0;
  for (const k of ["run", "get", "all"] as const) {
    const f = saved[k];
    proto[k] = function (this: { source: string }, ...a: unknown[]) {
      if (this.source !== "BEGIN" && this.source !== "COMMIT") n++;
      return f.apply(this, a);
    };
  }
  const K = 100;
  try {
    for (let i = 0; i < K; i++)
      d.call("thread.post", { id: thread.id, body: `m${i}`, progress: i % 2 === 0, ...(asAgent ? { auth: { token, nonce: nonce() } } : {}) });
  } finally {
    Object.assign(proto, saved);
    d.db.close();
  }
  return n / K;
}

/** The floor: the same five writes per post (seq, message, event, cursor, audit row) in one durable transaction, nothing else. */
export function rawFloor(): Run {
  const db = new Database(path.join(tmp("bench-threads-raw-"), "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${process.env.BENCH_SYNC ?? "FULL"}`);
  db.exec(`CREATE TABLE threads (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE messages (thread_id TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
      idempotency_key TEXT, created_at TEXT NOT NULL, PRIMARY KEY (thread_id, seq));
    CREATE TABLE events (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL, subject TEXT, data TEXT NOT NULL);
    CREATE TABLE cursors (thread_id TEXT NOT NULL, reader TEXT NOT NULL, last_read_seq INTEGER NOT NULL, PRIMARY KEY (thread_id, reader));
    CREATE TABLE audit (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT, details TEXT NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
    INSERT INTO threads VALUES ('th-1', 0, '');`);
  const bump = db.prepare("UPDATE threads SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq");
  const msg = db.prepare("INSERT INTO messages VALUES (?, ?, 'a1', 'message', ?, NULL, ?)");
  const ev = db.prepare("INSERT INTO events (ts, type, subject, data) VALUES (?, 'thread.message', ?, ?)");
  const cur = db.prepare("INSERT INTO cursors VALUES (?, 'a1', ?) ON CONFLICT (thread_id, reader) DO UPDATE SET last_read_seq = excluded.last_read_seq");
  const aud = db.prepare("INSERT INTO audit (seq, ts, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, 'a1', 'thread.post', ?, '{}', ?, ?)");
  const post = db.transaction((i: number) => {
    const now = new Date().toISOString();
    const seq = (bump.get(now, "th-1") as { last_seq: number }).last_seq;
    msg.run("th-1", seq, `message ${i} with a body of typical length for a status line`, now);
    ev.run(now, "th-1", JSON.stringify({ id: "th-1", seq }));
    cur.run("th-1", seq);
    aud.run(seq, now, "th-1", "0".repeat(64), "0".repeat(64));
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) post(i);
  const cpu = process.cpuUsage(c0);
  const s = (performance.now() - t0) / 1000;
  db.close();
  return { rate: N / s, cpuUs: (cpu.user + cpu.system) / N };
}

interface Rtt {
  socket: number[];
  mcp: number[];
}

/** One agent posts then reads the thread back, RTT_N times, over the socket and through `swarmctl mcp`, alternating. */
async function roundTrips(): Promise<Rtt> {
  const home = tmp("bench-threads-rtt-");
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  fs.writeFileSync(paths.configFile, JSON.stringify({ threads: { rate_limit: { messages_per_minute: 100000, burst: 100000 }, no_progress_turns: 10000 } }));
  const daemon: ChildProcess = spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" });
  let c: RpcClient | null = null;
  let mcp: Client | null = null;
  try {
    c = await waitUntil("swarmd to answer", () => connectDaemon(paths, { autostart: false, clientName: "bench" }).catch(() => null), {
      timeoutMs: 15_000,
      everyMs: 20,
    });
    const client = c;
    const { thread } = await client.call<{ thread: { id: string } }>("thread.create", { title: "rtt", participants: [{ agent_id: "a1" }] });
    const { token } = await client.call<{ token: string }>("agent.token_mint", { agent_id: "a1", ttl_ms: 3600_000 });
    mcp = new Client({ name: "bench", version: "1.0.0" });
    const serverEnv = { SWARM_HOME: home, SWARM_AGENT_TOKEN: token, PATH: process.env.PATH ?? "" };
    await mcp.connect(
      new StdioClientTransport({ command: process.execPath, args: [path.join(ROOT, "bin/swarmctl.js"), "--no-autostart", "mcp"], env: serverEnv }),
    );
    const tool = async (name: string, args: Record<string, unknown>) => {
      const r = (await mcp!.callTool({ name, arguments: args })) as CallToolResult;
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r;
    };
    const out: Rtt = { socket: [], mcp: [] };
    const WARM = 20;
    for (let i = 0; i < RTT_N + WARM; i++) {
      const t0 = performance.now();
      const { message } = await client.call<{ message: { seq: number } }>("thread.post", {
        id: thread.id,
        body: `s${i}`,
        progress: true,
        auth: { token, nonce: nonce() },
      });
      await client.call("thread.read", { id: thread.id, since: message.seq - 1, auth: { token, nonce: nonce() } });
      const t1 = performance.now();
      const posted = await tool("post_message", { id: thread.id, body: `m${i}`, progress: true });
      const seq = (posted.structuredContent as { message: { seq: number } }).message.seq;
      await tool("read_messages", { id: thread.id, since: seq - 1 });
      const t2 = performance.now();
      if (i >= WARM) {
        out.socket.push(t1 - t0);
        out.mcp.push(t2 - t1);
      }
    }
    return out;
  } finally {
    await mcp?.close().catch(() => {});
    c?.close();
    daemon.kill("SIGTERM");
  }
}

export async function run(): Promise<string> {
  const loadAtStart = os.loadavg()[0]!;
  // fsync cost swings with whatever else the disk is doing: interleave the runs, take medians.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rounds = { raw: [] as Run[], op: [] as Run[], agent: [] as Run[] };
  for (let i = 0; i < ROUNDS; i++) {
    rounds.raw.push(rawFloor());
    rounds.op.push(ours(false));
    rounds.agent.push(ours(true));
  }
  const raw = median(rounds.raw.map((r) => r.rate));
  const op = median(rounds.op.map((r) => r.rate));
  const agent = median(rounds.agent.map((r) => r.rate));
  // each round's share of the floor run just before it, so a slow patch of the disk hits both sides of a ratio
  const share = (xs: Run[]) => xs.map((r, i) => (100 * r.rate) / rounds.raw[i]!.rate);
  const shareOf = (xs: Run[]) => {
    const s = share(xs);
    return `${fmt(median(s), 1)}% (${fmt(Math.min(...s), 0)}–${fmt(Math.max(...s), 0)})`;
  };
  const cpu = { raw: median(rounds.raw.map((r) => r.cpuUs)), op: median(rounds.op.map((r) => r.cpuUs)), agent: median(rounds.agent.map((r) => r.cpuUs)) };
  const stmts = { op: statementsPerPost(false), agent: statementsPerPost(true) };
  const rtt = await roundTrips();
  const p = (xs: number[], q: number) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      q,
    );
  const [s50, s99, m50, m99] = [p(rtt.socket, 50), p(rtt.socket, 99), p(rtt.mcp, 50), p(rtt.mcp, 99)];
  return [
    "## Threads: durable posts, the MCP bridge's round trip",
    "",
    `Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- threads\` (BENCH_POSTS=${N}, BENCH_THREAD_RTT=${RTT_N}). Host 1-minute load average at start: ${fmt(loadAtStart, 1)}.`,
    "",
    `${N} posts to one thread, one at a time, each its own durable commit (SQLite WAL, synchronous=FULL), median of ${ROUNDS} interleaved rounds ("of raw floor": the median of each round's ratio to the floor run just before it, with the lowest and highest in parentheses). A post is the thread.post handler in-process (daemon/thread as the daemon assembles it): seq, message, its event, the author's cursor, its audit row (hash-chained), one transaction. The floor is the same five writes with no logic.`,
    "",
    "| writer | posts/s | of raw floor | CPU µs per post | statements per post |",
    "|---|---:|---:|---:|---:|",
    `| raw SQLite floor (the same 5 writes, 1 transaction) | ${fmt(raw, 0)} | 100% | ${fmt(cpu.raw, 0)} | 5 |`,
    `| **thread.post as the operator** | ${fmt(op, 0)} | ${shareOf(rounds.op)} | ${fmt(cpu.op, 0)} | ${fmt(stmts.op, 1)} |`,
    `| **thread.post as an agent** (token checked, nonce recorded: 6 writes) | ${fmt(agent, 0)} | ${shareOf(rounds.agent)} | ${fmt(cpu.agent, 0)} | ${fmt(stmts.agent, 1)} |`,
    "",
    `Post then read back (one agent, its token on every call, ${RTT_N} rounds after 20 warm-up, alternating), through a real daemon (synchronous=NORMAL as shipped):`,
    "",
    "| path | p50 ms | p99 ms |",
    "|---|---:|---:|",
    `| socket RPC (thread.post + thread.read) | ${fmt(s50, 2)} | ${fmt(s99, 2)} |`,
    `| \`swarmctl mcp\` over stdio (post_message + read_messages, MCP SDK client) | ${fmt(m50, 2)} | ${fmt(m99, 2)} |`,
    `| ratio bridge / socket | ${fmt(m50 / s50, 2)}x | ${fmt(m99 / s99, 2)}x |`,
    "",
    "The bridge adds a process hop each way (MCP JSON-RPC over stdio, then the socket), output-schema parsing of each result, and a fresh nonce per call.",
    "",
    `A post's wall time is its CPU plus the commit's fsync wait: the floor spends ${fmt(cpu.raw, 0)} µs of CPU in its ${fmt(1e6 / raw, 0)} µs, so the share of the floor swings from run to run with what else the disk and CPUs are doing (a slow fsync hides CPU, a fast one shows it). CPU per post is the steadier figure.`,
    "",
    "Profiled for issue 10 (`node --cpu-prof`): an agent's post was two commits (its nonce was recorded before the call's transaction; now inside it), re-verified the token's Ed25519 signature on every call (now cached by the token's text), and counted participants' unread messages by scanning them (now the reader's own messages are subtracted through an index). Then 21 statements per agent post (15 as the operator) became 9: the thread's row is read once with the caller's membership (it served the access check, the status check, the loop breakers and the returned thread, three more reads before); seq and the no-progress count are one `UPDATE … RETURNING *` whose row is the returned thread; the author's cursor is one conditional write; every participant's unread count is one query (one per participant before); a fresh nonce is one insert (looked up only when it is already there) into one b-tree (a rowid table with two indexes before, identity migration 2); a live token's record is checked once and then answered from memory, which every `agent.revoke` clears, so a revoked token is still refused on its next call. Statements counted with two participants (the count grew by one per participant before). What remains is mostly the commit itself: a post dirties more pages than the floor's five plain inserts (the indexes of messages, events, nonces and audit rows), and the hash-chained audit row, the event and the nonce are the guarantees.",
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((s) => process.stdout.write(s + "\n"));
}
