import { connectDaemon, followEvents, type MethodName, type ParamsFor, type ResultFor, type RpcClient } from "../../client/index.js";
import { SwarmError } from "../../protocol/errors.js";
import type { SwarmPaths } from "../../protocol/paths.js";
import type { Store } from "../state/store.js";
import { refreshPlan, type Domain } from "./refresh-plan.js";
import { ScreenPoller } from "./screen-poller.js";
import { DetailLoader } from "./detail-loader.js";
import { loadDomain } from "./loaders.js";

export interface SessionOptions {
  paths: SwarmPaths;
  autostart: boolean;
  store: Store;
  /** Pause before a reconnect attempt (ms). */
  retryMs?: number;
  /** Periodic refresh of runtimes/approvals/threads (their states change without an event of ours). */
  pollMs?: number;
}

/**
 * The TUI's link to swarmd: one connection (via client/), the event stream resumed by id
 * across reconnects, lists refreshed when their events arrive, and screens polled for the
 * panes on view only. Everything it learns goes into the store as actions.
 */
export class Session {
  private client: RpcClient | null = null;
  private readonly stop = new AbortController();
  private readonly dirty = new Set<Domain>();
  private flushTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private connectsTried = 0;
  readonly screens: ScreenPoller;
  private readonly details: DetailLoader;
  private done: Promise<void> | null = null;

  constructor(private readonly o: SessionOptions) {
    this.screens = new ScreenPoller((name) => this.call("runtime.screen", { name, ansi: true }), o.store);
    this.details = new DetailLoader(o.store, (m, p) => this.call(m, p));
  }

  start(): void {
    const { store } = this.o;
    this.details.start();
    this.done = followEvents({
      // Only the first connection may start the daemon; later ones wait for it to come back.
      open: () => {
        store.dispatch({ type: "conn/connecting" });
        return connectDaemon(this.o.paths, { autostart: this.o.autostart && this.connectsTried++ === 0, clientName: "swarm-tui" });
      },
      onEvent: (event) => {
        store.dispatch({ type: "data/event", event });
        for (const d of refreshPlan(event.type)) this.markDirty(d);
      },
      onConnect: async (c) => {
        this.client = c;
        const st = await c.call("daemon.status");
        const missing = await this.loadAll();
        store.dispatch({ type: "conn/connected", daemon: st, missing });
        this.screens.resume();
        this.details.reload();
        // A screen of recent history on the first connection; after that, resume where we were.
        return Math.max(0, st.last_event_id - 200);
      },
      onDisconnect: (err) => {
        this.client = null;
        store.dispatch({ type: "conn/disconnected", error: err ? err.message : "daemon connection lost; reconnecting" });
      },
      signal: this.stop.signal,
      retryMs: this.o.retryMs ?? 300,
    });
    this.pollTimer = setInterval(() => {
      for (const d of ["runtimes", "approvals", "threads", "coordinator"] as const) this.markDirty(d);
    }, this.o.pollMs ?? 1000);
  }

  /** A typed call on the current connection; UNAVAILABLE while reconnecting. */
  call<N extends MethodName>(method: N, params: ParamsFor<N>): Promise<ResultFor<N>> {
    const c = this.client;
    if (!c || c.isClosed) return Promise.reject(new SwarmError("UNAVAILABLE", "not connected to swarmd (reconnecting)"));
    return (c.call as (m: string, p: unknown) => Promise<ResultFor<N>>)(method, params);
  }

  /** The raw connection, for an attach (it subscribes this connection to a runtime's output). */
  get connection(): RpcClient | null {
    return this.client;
  }

  markDirty(d: Domain): void {
    this.dirty.add(d);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      const ds = [...this.dirty];
      this.dirty.clear();
      for (const dom of ds) void this.load(dom).catch(() => {});
    }, 50);
  }

  private async load(d: Domain): Promise<void> {
    if (!this.client) return;
    const patch = await loadDomain(d, (m, p) => this.call(m, p));
    this.o.store.dispatch({ type: "data/loaded", patch });
  }

  /** Loads every list; answers the methods this daemon does not serve. */
  private async loadAll(): Promise<string[]> {
    const missing: string[] = [];
    const all: Domain[] = ["runtimes", "tickets", "approvals", "threads", "envs", "coordinator"];
    await Promise.all(
      all.map((d) =>
        this.load(d).catch((err: unknown) => {
          if (err instanceof SwarmError && err.kind === "NOT_FOUND") missing.push(d);
        }),
      ),
    );
    return missing;
  }

  async close(): Promise<void> {
    this.stop.abort();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.screens.stopAll();
    this.details.stop();
    await this.done;
  }
}
