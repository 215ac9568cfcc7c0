import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { connectDaemon, type RpcClient } from "../client/index.js";
import { CoordinatorConfig } from "../protocol/config/coordinator.js";
import { resolvePaths } from "../protocol/paths.js";
import { pollUntil, waitUntil } from "../protocol/wait.js";
import { EventLog } from "../daemon/events/event-log.js";
import { nullLogger } from "../daemon/log/logger.js";
import { loadOrCreateKey } from "../daemon/keys/ed25519.js";
import { openDatabase } from "../daemon/store/db.js";
import { BundleStore } from "../daemon/ticket/bundle/bundle-store.js";
import { LeaseBook } from "../daemon/ticket/coordinator/leases.js";
import { TicketStore } from "../daemon/ticket/store.js";
import { fmt, machine, percentile, ROOT } from "./lib.js";

/**
 * Claim + complete throughput with durable commits (synchronous=FULL / fsync on), one
 * consumer, one ticket at a time, side by side: our coordinator's lease book, the raw
 * SQLite floor (the same two transactions, no scheduler logic), and pg-boss 10 on a
 * private PostgreSQL 15 cluster. Then ready-to-claimed latency through the real daemon.
 */
const N = Number(process.env.BENCH_TICKETS ?? 2000);
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

/** Tickets per second (wall) and CPU time of this process per ticket (µs): the part a faster disk does not hide. */
interface Run {
  rate: number;
  cpuUs: number;
}

function ours(withBundles: boolean, chained = false): Run {
  const db = openDatabase(path.join(tmp("bench-ours-"), "swarm.db"));
  db.pragma("synchronous = FULL");
  const events = new EventLog(db, nullLogger());
  const store = new TicketStore(db, events, { maxBodyBytes: () => 1 << 20 });
  const cfg = CoordinatorConfig.parse({ max_concurrent: 1000, min_free_mem_mb: 0, max_load_per_cpu: 0 });
  const book = new LeaseBook(db, events, store, () => cfg);
  const home = tmp("bench-key-");
  const key = loadOrCreateKey(home);
  const bundles = new BundleStore(home, () => key);
  store.tx(() => {
    for (let i = 0; i < N; i++) store.create({ title: `job ${i}` });
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let next = book.claim("bench");
  for (;;) {
    const r = next;
    if (!r.lease) break;
    let done;
    if (chained) {
      const both = book.completeAndClaim(r.lease.ticket.id, r.lease.lease, { i: r.lease.ticket.title }, [], {});
      done = both;
      next = both.next;
    } else {
      done = book.complete(r.lease.ticket.id, r.lease.lease, { i: r.lease.ticket.title }, []);
      next = book.claim("bench");
    }
    if (withBundles) {
      const l = done.lease;
      bundles.write({
        ticket: done.ticket,
        agent: l.agent_kind,
        environment: null,
        startedAt: l.claimed_at,
        finishedAt: l.finished_at,
        checks: [],
        resultDir: null,
      });
    }
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const n = (db.prepare("SELECT COUNT(*) AS n FROM tickets WHERE state = 'done'").get() as { n: number }).n;
  if (n !== N) throw new Error(`ours: ${n} of ${N} done`);
  db.close();
  return { rate: N / s, cpuUs: (cpu.user + cpu.system) / N };
}

function rawFloor(chained = false): Run {
  const db = new Database(path.join(tmp("bench-raw-"), "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0,
    owner TEXT, lease TEXT, expires INTEGER, result TEXT);
    CREATE INDEX jobs_ready ON jobs(state, priority DESC, id);`);
  const ins = db.prepare("INSERT INTO jobs (state) VALUES ('ready')");
  db.transaction(() => {
    for (let i = 0; i < N; i++) ins.run();
  })();
  const claim = db.prepare(`UPDATE jobs SET state = 'claimed', owner = ?, lease = ?, expires = ?
    WHERE id = (SELECT id FROM jobs WHERE state = 'ready' ORDER BY priority DESC, id LIMIT 1) AND state = 'ready' RETURNING id`);
  const complete = db.prepare("UPDATE jobs SET state = 'done', result = ? WHERE id = ? AND lease = ? AND state = 'claimed'");
  const claimTx = db.transaction((lease: string) => claim.get("bench", lease, Date.now() + 30000) as { id: number } | undefined);
  const completeTx = db.transaction((id: number, lease: string) => complete.run(JSON.stringify({ id }), id, lease));
  const bothTx = db.transaction((id: number, lease: string, nextLease: string) => {
    complete.run(JSON.stringify({ id }), id, lease);
    return claim.get("bench", nextLease, Date.now() + 30000) as { id: number } | undefined;
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let row = claimTx("l0");
  for (let i = 1; row; i++) {
    const lease = `l${i - 1}`;
    if (chained) row = bothTx(row.id, lease, `l${i}`);
    else {
      completeTx(row.id, lease);
      row = claimTx(`l${i}`);
    }
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  db.close();
  return { rate: N / s, cpuUs: (cpu.user + cpu.system) / N };
}

interface PgCluster {
  port: number;
  dir: string;
  stop(): void;
}

function pgBin(name: string): string | null {
  for (const v of ["17", "16", "15"]) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (fs.existsSync(p)) return p;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway cluster in a temp dir; as root it runs as the `postgres` user (postgres refuses root). */
async function startPostgres(): Promise<PgCluster> {
  const initdb = pgBin("initdb");
  const pgCtl = pgBin("pg_ctl");
  if (!initdb || !pgCtl) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql)");
  const dir = tmp("bench-pg-");
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (argv: string[]) => {
    if (asRoot) execFileSync("runuser", ["-u", "postgres", "--", ...argv], { stdio: "ignore" });
    else execFileSync(argv[0]!, argv.slice(1), { stdio: "ignore" });
  };
  if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
  run([initdb, "-D", data, "-U", "bench", "--auth=trust", "-E", "UTF8"]);
  const port = await freePort();
  run([
    pgCtl,
    "-D",
    data,
    "-w",
    "-l",
    path.join(dir, "log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`,
    "start",
  ]);
  return {
    port,
    dir,
    stop: () => {
      try {
        run([pgCtl, "-D", data, "-m", "immediate", "stop"]);
      } catch {
        /* already down */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Boss = import("pg-boss");

async function startBoss(pg: PgCluster): Promise<Boss> {
  const { default: PgBoss } = await import("pg-boss");
  const boss = new PgBoss({ host: "127.0.0.1", port: pg.port, user: "bench", database: "postgres", max: 8, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  await boss.createQueue("bench");
  await boss.createQueue("lat");
  return boss;
}

async function pgBossThroughput(boss: Boss): Promise<number> {
  for (let i = 0; i < N; i += 500) await boss.insert(Array.from({ length: Math.min(500, N - i) }, (_, j) => ({ name: "bench", data: { i: i + j } })));
  const t0 = performance.now();
  let n = 0;
  for (;;) {
    const [job] = await boss.fetch<{ i: number }>("bench");
    if (!job) break;
    await boss.complete("bench", job.id, { i: job.data.i });
    n++;
  }
  if (n !== N) throw new Error(`pg-boss: ${n} of ${N} jobs done`);
  return n / ((performance.now() - t0) / 1000);
}

/** Latency under load: a paced producer and 4 fetch loops, as for ours below. */
async function pgBossLatency(boss: Boss): Promise<{ p50: number; p99: number }> {
  const lat: number[] = [];
  let stop = false;
  const consumers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const jobs = await boss.fetch<{ t: number }>("lat", { includeMetadata: true });
      const job = jobs[0];
      if (!job) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      lat.push(job.startedOn.getTime() - job.createdOn.getTime());
      await boss.complete("lat", job.id);
    }
  });
  await paced(LAT_N, LAT_RATE, (k) => boss.send("lat", { t: k }).then(() => undefined));
  await pollUntil(() => lat.length >= LAT_N, { timeoutMs: 60_000, everyMs: 20 });
  stop = true;
  await Promise.all(consumers);
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

const LAT_N = Number(process.env.BENCH_LAT_TICKETS ?? 1000);
/** Interleaved rounds of every system; fsync times on a shared host swing several-fold between minutes. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LAT_RATE = Number(process.env.BENCH_LAT_RATE ?? 100); // per second, well below saturation

/** Calls `send` LAT_N times at about `rate` per second, in 10 ms steps. */
async function paced(n: number, rate: number, send: (k: number) => Promise<void>): Promise<void> {
  const perStep = Math.max(1, Math.round(rate / 100));
  const t0 = Date.now();
  for (let k = 0; k < n; k += perStep) {
    await Promise.all(Array.from({ length: Math.min(perStep, n - k) }, (_, j) => send(k + j)));
    const due = t0 + ((k + perStep) / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** Ready-to-claimed latency through the real daemon with 4 external worker processes. */
async function oursLatency(): Promise<{ p50: number; p99: number; n: number }> {
  const home = tmp("bench-lat-");
  const env: NodeJS.ProcessEnv = { ...process.env, SWARM_HOME: home };
  delete env.XDG_RUNTIME_DIR;
  delete env.SWARM_RUNTIME_DIR;
  const paths = resolvePaths(env);
  fs.writeFileSync(paths.configFile, JSON.stringify({ coordinator: { max_concurrent: 64, min_free_mem_mb: 0, max_load_per_cpu: 0 } }));
  const procs: ChildProcess[] = [spawn(process.execPath, [path.join(ROOT, "dist/daemon/main.js"), "--foreground"], { env, stdio: "ignore" })];
  let c: RpcClient | null = null;
  try {
    c = await waitUntil("swarmd to answer", () => connectDaemon(paths, { autostart: false, clientName: "bench" }).catch(() => null), {
      timeoutMs: 15_000,
      everyMs: 20,
    });
    for (let i = 0; i < 4; i++) {
      procs.push(
        spawn(process.execPath, [path.join(ROOT, "dist/test/fixtures/worker.js")], {
          env: { ...env, WORKER_NAME: `bench${i}` },
          stdio: ["pipe", "ignore", "ignore"],
        }),
      );
    }
    const client = c;
    const db = new Database(paths.database, { readonly: true });
    const count = () => (db.prepare("SELECT COUNT(*) AS n FROM tickets WHERE state = 'done'").get() as { n: number }).n;
    // Warm-up: the workers' start-up (node, connect) is not scheduling latency.
    const WARM = 20;
    for (let k = 0; k < WARM; k++) await client.call("ticket.submit", { title: `warm ${k}` });
    await pollUntil(() => count() >= WARM, { timeoutMs: 60_000, everyMs: 20 });
    await paced(LAT_N, LAT_RATE, (k) => client.call("ticket.submit", { title: `lat ${k}` }).then(() => undefined));
    await pollUntil(() => count() >= WARM + LAT_N, { timeoutMs: 60_000, everyMs: 20 });
    const rows = db
      .prepare(
        `SELECT (SELECT ts FROM ticket_transitions r WHERE r.ticket_id = t.id AND r.to_state = 'ready' ORDER BY seq LIMIT 1) AS ready,
          (SELECT ts FROM ticket_transitions r WHERE r.ticket_id = t.id AND r.to_state = 'claimed' ORDER BY seq LIMIT 1) AS claimed
        FROM tickets t WHERE t.title LIKE 'lat %'`,
      )
      .all() as { ready: string; claimed: string | null }[];
    db.close();
    const lat = rows
      .filter((r) => r.claimed)
      .map((r) => Date.parse(r.claimed!) - Date.parse(r.ready))
      .sort((a, b) => a - b);
    return { p50: percentile(lat, 50), p99: percentile(lat, 99), n: lat.length };
  } finally {
    c?.close();
    for (const p of procs.reverse()) p.kill("SIGTERM");
  }
}

/** Both sides timestamp in whole milliseconds. */
const ms = (v: number) => (v < 1 ? "<1" : fmt(v, 0));

export async function run(): Promise<string> {
  const loadAtStart = os.loadavg()[0]!;
  // fsync cost swings with whatever else the disk is doing: interleave the runs, take medians.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rounds = { raw: [] as Run[], mine: [] as Run[], bundles: [] as Run[], boss: [] as number[], raw1: [] as Run[], mine1: [] as Run[] };
  let bossWhy = "";
  let pg: PgCluster | null = null;
  let b: Boss | null = null;
  let boss: { throughput: number; p50: number; p99: number } | null = null;
  try {
    try {
      pg = await startPostgres();
      b = await startBoss(pg);
    } catch (err) {
      bossWhy = (err as Error).message.split("\n")[0]!;
    }
    for (let i = 0; i < ROUNDS; i++) {
      rounds.raw.push(rawFloor());
      rounds.mine.push(ours(false));
      rounds.bundles.push(ours(true));
      rounds.raw1.push(rawFloor(true));
      rounds.mine1.push(ours(false, true));
      if (b) rounds.boss.push(await pgBossThroughput(b));
    }
    if (b) boss = { throughput: median(rounds.boss), ...(await pgBossLatency(b)) };
  } finally {
    await b?.stop({ graceful: false, wait: true }).catch(() => {});
    pg?.stop();
  }
  const rate = (rs: Run[]) => median(rs.map((r) => r.rate));
  // a ratio of runs seconds apart (raw, then ours, in each round), not of medians taken minutes apart
  const ratio = (ours: Run[], floor: Run[]) => median(ours.map((r, i) => (100 * r.rate) / floor[i]!.rate));
  const cpu = (rs: Run[]) => `${fmt(median(rs.map((r) => r.cpuUs)), 0)} µs`;
  const raw = rate(rounds.raw);
  const mine = rate(rounds.mine);
  const mineBundles = rate(rounds.bundles);
  const raw1 = rate(rounds.raw1);
  const mine1 = rate(rounds.mine1);
  const lat = await oursLatency();
  const rows = [
    `| raw SQLite floor (same 2 transactions, no scheduler) | ${fmt(raw, 0)} | 100% | | ${cpu(rounds.raw)} |`,
    `| **swarm coordinator** (lease book: caps, breaker, history, events) | ${fmt(mine, 0)} | **${fmt(ratio(rounds.mine, rounds.raw), 0)}%** | ${boss ? fmt(mine / boss.throughput, 1) + "x pg-boss" : ""} | ${cpu(rounds.mine)} |`,
    `| swarm coordinator + signed result bundle per ticket | ${fmt(mineBundles, 0)} | ${fmt(ratio(rounds.bundles, rounds.raw), 0)}% | ${boss ? fmt(mineBundles / boss.throughput, 1) + "x pg-boss" : ""} | ${cpu(rounds.bundles)} |`,
    `| raw SQLite floor, complete + next claim in 1 transaction | ${fmt(raw1, 0)} | (100% of its own) | | ${cpu(rounds.raw1)} |`,
    `| **swarm, \`ticket.complete {next}\`** (complete + next claim, 1 commit per ticket) | ${fmt(mine1, 0)} | ${fmt(ratio(rounds.mine1, rounds.raw1), 0)}% of its floor | ${boss ? fmt(mine1 / boss.throughput, 1) + "x pg-boss" : ""} | ${cpu(rounds.mine1)} |`,
    boss
      ? `| pg-boss 10 on PostgreSQL 15 (fetch + complete) | ${fmt(boss.throughput, 0)} | ${fmt((100 * boss.throughput) / raw, 0)}% | | (in PostgreSQL) |`
      : `| pg-boss 10 | skipped: ${bossWhy} | | | |`,
  ];
  return [
    "## Tickets: claim + complete throughput, ready-to-claimed latency",
    "",
    `Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- tickets\` (BENCH_TICKETS=${N}). Host 1-minute load average at start: ${fmt(loadAtStart, 1)} (fsync timings and tails swing with other work on the host).`,
    "",
    `One consumer claims then completes ${N} tickets one at a time (median of ${ROUNDS} interleaved rounds of every system; "of raw floor" is the median of each round's ratio to the floor run just before it); every commit is durable (SQLite WAL with synchronous=FULL; PostgreSQL fsync=on, synchronous_commit=on).`,
    "",
    "| system | tickets/s | of raw floor (goal ≥ 50%) | vs pg-boss | CPU per ticket (this process) |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    `Ready-to-claimed latency under load (${LAT_N} tickets submitted at ~${LAT_RATE}/s, 4 consumers):`,
    "",
    "| system | p50 ms | p99 ms |",
    "|---|---:|---:|",
    `| swarm (real daemon over its socket, 4 worker processes, synchronous=NORMAL as shipped) | ${ms(lat.p50)} | ${ms(lat.p99)} |`,
    boss ? `| pg-boss 10 (4 fetch loops, 5 ms idle poll) | ${ms(boss.p50)} | ${ms(boss.p99)} |` : `| pg-boss 10 | skipped | |`,
    "",
    "Latency is measured from the ticket's `ready` transition to its `claimed` transition (pg-boss: createdOn to startedOn); our workers long-poll (`ticket.claim {wait_ms}`), so an idle worker is handed a ticket as soon as it turns ready.",
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((s) => process.stdout.write(s + "\n"));
}
