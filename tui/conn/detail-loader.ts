import { selectedApproval, selectedThread, selectedTicket, envList } from "../state/select.js";
import { checkBundle } from "./bundle-check.js";
import type { Store } from "../state/store.js";
import type { TuiState } from "../state/types.js";
import type { Caller } from "./loaders.js";

/**
 * Loads what the selected row shows in detail (an approval's diff, a thread's messages, an
 * environment's checkpoints) when the selection changes or the data behind it moves on.
 */
export class DetailLoader {
  private lastKey = "";
  private unsub: (() => void) | null = null;
  private seq = 0;

  constructor(
    private readonly store: Store,
    private readonly call: Caller,
  ) {}

  start(): void {
    this.unsub = this.store.subscribe(() => this.sync());
  }

  stop(): void {
    this.unsub?.();
  }

  /** Forget what was loaded, so the next change (or a reconnect) loads again. */
  reload(): void {
    this.lastKey = "";
    this.sync();
  }

  private keyOf(s: TuiState): string {
    switch (s.ui.view) {
      case "approvals": {
        const a = selectedApproval(s);
        return a ? `ap:${a.id}:${a.state}` : "";
      }
      case "threads": {
        const t = selectedThread(s);
        return t ? `th:${t.id}:${t.last_seq}` : "";
      }
      case "tickets": {
        const t = selectedTicket(s);
        if (!t || !s.ui.detail) return "";
        // a finished ticket's bundle is checked; any other is asked why it is not moving
        return t.state === "done" || t.state === "review" ? `tk:${t.id}:${t.version}` : `tw:${t.id}:${t.version}`;
      }
      case "envs": {
        const e = envList(s)[s.ui.cursor.envs];
        return e ? `env:${e.name}:${e.updated_at}` : "";
      }
      default:
        return "";
    }
  }

  private sync(): void {
    const s = this.store.getState();
    if (s.conn.status !== "connected") return;
    const key = this.keyOf(s);
    if (key === this.lastKey || key === "") return;
    this.lastKey = key;
    const mine = ++this.seq;
    const [kind, id] = key.split(":") as [string, string];
    const apply = (patch: Parameters<Store["dispatch"]>[0]) => mine === this.seq && this.store.dispatch(patch);
    const fail = () => {
      if (mine === this.seq) this.lastKey = "";
    };
    if (kind === "ap") void this.call("approval.get", { id }).then((approval) => apply({ type: "data/loaded", patch: { approval } }), fail);
    if (kind === "th")
      void this.call("thread.read", { id, since: 0, limit: 500 }).then(
        (r) => apply({ type: "data/loaded", patch: { messages: { thread: id, list: r.messages } } }),
        fail,
      );
    if (kind === "tw")
      void this.call("coordinator.why", { id }).then((r) => apply({ type: "data/loaded", patch: { waiting: { ticket: id, text: r.waiting } } }), fail);
    if (kind === "tk") void checkBundle(this.call, id).then((bundle) => apply({ type: "data/loaded", patch: { bundle } }), fail);
    if (kind === "env") {
      void this.call("env.checkpoints", { name: id }).then(
        (r) => apply({ type: "data/loaded", patch: { checkpoints: { env: id, list: r.checkpoints } } }),
        fail,
      );
      // an older daemon has no env.disk: the line then just has no disk figure
      void this.call("env.disk", { name: id }).then(
        (r) => apply({ type: "data/loaded", patch: { disk: { env: id, bytes: r.bytes } } }),
        () => {},
      );
    }
  }
}
