import type { Store } from "../state/store.js";
import type { PaneScreen } from "../state/types.js";

/** Screens that arrive within this window are handed to the store as one update (one render). */
const BATCH_MS = 30;

interface ScreenAnswer {
  ansi?: string | undefined;
  cols: number;
  rows: number;
}

/**
 * Fetches the screens of the panes on view, each at most every `intervalMs` and never with
 * more than one request in flight per pane (flow control: a slow daemon slows the polling,
 * it does not queue requests). A pane nobody sees is not asked for at all.
 */
export class ScreenPoller {
  private wanted = new Map<string, number>();
  private readonly running = new Set<string>();
  private paused = false;
  /** Screens fetched so far. */
  fetched = 0;
  private batch: Record<string, PaneScreen> = {};
  private flushTimer: NodeJS.Timeout | null = null;
  /** Loops started so far: spreads their phases. */
  private started = 0;

  constructor(
    private readonly fetch: (name: string) => Promise<ScreenAnswer>,
    private readonly store: Store,
  ) {}

  /** The panes on view now and how often each may be refreshed (ms between fetches). */
  setVisible(panes: Map<string, number>): void {
    this.wanted = panes;
    for (const name of panes.keys()) if (!this.running.has(name)) void this.loop(name);
  }

  /** After a reconnect: restart loops that gave up while the daemon was away. */
  resume(): void {
    this.paused = false;
    this.setVisible(this.wanted);
  }

  stopAll(): void {
    this.paused = true;
    this.wanted = new Map();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  private deliver(name: string, screen: PaneScreen): void {
    // an unchanged screen is not news: no store update, no render
    const prev = this.batch[name] ?? this.store.getState().data.screens[name];
    if (prev && prev.ansi === screen.ansi && prev.cols === screen.cols) return;
    this.batch[name] = screen;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      const screens = this.batch;
      this.batch = {};
      this.store.dispatch({ type: "data/screens", screens });
    }, BATCH_MS);
  }

  private async loop(name: string): Promise<void> {
    this.running.add(name);
    let failures = 0;
    // Loops started together would fetch in lockstep, and all their screens would land in one
    // batch: one frame per interval. Each loop keeps its own phase (golden-ratio steps over the
    // interval) on a fixed schedule, so a stall (a slow frame, a busy host) does not line them
    // up again; each pane still refreshes at its rate, and frames come evenly.
    const every0 = this.wanted.get(name) ?? 1000;
    let due = Date.now() + ((this.started++ * 0.618034) % 1) * every0;
    try {
      while (!this.paused && this.wanted.has(name)) {
        try {
          const s = await this.fetch(name);
          this.fetched++;
          failures = 0;
          this.deliver(name, { ansi: s.ansi ?? "", cols: s.cols, rows: s.rows, at: Date.now() });
        } catch {
          // exited or removed runtime, or the daemon is away: back off, give up after a few
          if (++failures >= 5) break;
        }
        const every = (this.wanted.get(name) ?? 1000) * (failures ? 4 : 1);
        // the next slot of this loop's schedule that is still ahead (slots missed in a stall are skipped)
        due += every;
        const now = Date.now();
        if (due <= now) due += Math.ceil((now - due + 1) / every) * every;
        await new Promise((r) => setTimeout(r, due - now));
      }
    } finally {
      this.running.delete(name);
    }
  }
}
