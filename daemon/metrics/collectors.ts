import fs from "node:fs";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EventRecord } from "../../protocol/events.js";
import type { Db } from "../store/db.js";

/** Reads a process's resident set size from /proc (bytes); 0 when it is gone or unreadable (not Linux). */
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Gauges read the database when scraped (a scrape is rare, the queries are indexed counts),
 * so they are always right after a restart; counters count events as they are delivered,
 * seeded from the database where it keeps the history (tickets created).
 */
export class SwarmMetrics {
  readonly registry = new Registry();
  private readonly transitions: Counter<"from" | "to">;
  private readonly created: Counter;
  private readonly claimLatency: Histogram;
  private readonly escalations: Counter;
  private readonly wakes: Counter<"outcome">;
  readonly rpcLatency: Histogram<"method" | "outcome">;
  /** When each ticket last became ready, for the claim latency. */
  private readonly readySince = new Map<string, number>();

  constructor(private readonly db: Db) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "swarm_daemon_" });
    this.created = new Counter({ name: "swarm_tickets_total", help: "tickets created since the database was made", registers });
    this.transitions = new Counter({ name: "swarm_ticket_transitions_total", help: "ticket state changes", labelNames: ["from", "to"], registers });
    this.claimLatency = new Histogram({
      name: "swarm_ticket_claim_seconds",
      help: "time from a ticket turning ready to its claim",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.escalations = new Counter({ name: "swarm_escalations_total", help: "threads escalated to the operator", registers });
    this.wakes = new Counter({ name: "swarm_wake_outcomes_total", help: "wakes by final outcome", labelNames: ["outcome"], registers });
    this.rpcLatency = new Histogram({
      name: "swarm_rpc_seconds",
      help: "RPC handling time by method",
      labelNames: ["method", "outcome"],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.gauges(registers);
  }

  private count(sql: string): number {
    return (this.db.prepare(sql).get() as { n: number }).n;
  }

  private gauges(registers: Registry[]): void {
    const db = this.db;
    const grouped = (g: Gauge<string>, sql: string, labels: string[]) => {
      g.reset();
      for (const r of db.prepare(sql).all() as Record<string, string | number>[]) {
        g.set(Object.fromEntries(labels.map((l) => [l, String(r[l])])), Number(r.n));
      }
    };
    new Gauge({
      name: "swarm_tickets",
      help: "tickets by state",
      labelNames: ["state"],
      registers,
      collect() {
        grouped(this, "SELECT state, COUNT(*) AS n FROM tickets GROUP BY state", ["state"]);
      },
    });
    const count = (sql: string) => this.count(sql);
    new Gauge({
      name: "swarm_queue_depth",
      help: "tickets ready and waiting for a claim",
      registers,
      collect() {
        this.set(count("SELECT COUNT(*) AS n FROM tickets WHERE state = 'ready'"));
      },
    });
    new Gauge({
      name: "swarm_runtimes",
      help: "runtimes by state and agent kind",
      labelNames: ["state", "agent"],
      registers,
      collect() {
        grouped(this, "SELECT state, agent, COUNT(*) AS n FROM runtimes GROUP BY state, agent", ["state", "agent"]);
      },
    });
    new Gauge({
      name: "swarm_envs",
      help: "environments by provider and state",
      labelNames: ["provider", "state"],
      registers,
      collect() {
        grouped(this, "SELECT provider, state, COUNT(*) AS n FROM envs GROUP BY provider, state", ["provider", "state"]);
      },
    });
    new Gauge({
      name: "swarm_holder_rss_bytes",
      help: "total resident memory of the PTY holders of live runtimes",
      registers,
      collect() {
        const pids = db.prepare("SELECT DISTINCT holder_pid AS pid FROM runtimes WHERE holder_pid IS NOT NULL AND state != 'exited'").all() as {
          pid: number;
        }[];
        this.set(pids.reduce((sum, r) => sum + rssBytes(r.pid), 0));
      },
    });
  }

  /**
   * Seeds the counters kept in the database; call right before subscribing observe(), so a
   * ticket made while other domains start (ticket files synced) is counted exactly once.
   */
  seed(): void {
    this.created.reset();
    this.created.inc(this.count("SELECT COUNT(*) AS n FROM tickets"));
  }

  /** Counts what the event log tells; registered as an EventLog listener. */
  observe(ev: EventRecord): void {
    const d = ev.data as Record<string, unknown>;
    if (ev.type === "ticket.created") this.created.inc();
    else if (ev.type === "ticket.transitioned") {
      this.transitions.inc({ from: String(d.from ?? "none"), to: String(d.to) });
      if (!ev.subject) return;
      if (d.to === "ready") this.readySince.set(ev.subject, Date.parse(ev.ts));
      else if (d.to === "claimed") {
        const since = this.readySince.get(ev.subject);
        if (since !== undefined) this.claimLatency.observe(Math.max(0, Date.parse(ev.ts) - since) / 1000);
      }
      if (d.to !== "ready") this.readySince.delete(ev.subject);
    } else if (ev.type === "thread.escalated") this.escalations.inc();
    else if (ev.type === "wake.finished" && typeof d.outcome === "string") this.wakes.inc({ outcome: d.outcome });
  }
}
