import type { ApprovalDetail, EnvRecord, EventRecord, Message, Runtime, Thread, Ticket, TuiState } from "../../tui/state/types.js";
import type { Store } from "../../tui/state/store.js";

/** Records shaped as the daemon returns them, for rendering views without a daemon. */
const T0 = "2026-12-03T12:00:00.000Z";

export function runtime(name: string, over: Partial<Runtime> = {}): Runtime {
  return {
    id: `rt-${name}`,
    name,
    environment: null,
    cwd: "/tmp",
    agent: "custom",
    command: ["fake-agent"],
    session_id: null,
    pid: 100,
    holder_pid: 99,
    pty_backend: "holder",
    target: null,
    management: "managed",
    state: "working",
    why: "output within 1000 ms",
    exit_code: null,
    exit_signal: null,
    cols: 40,
    rows: 10,
    bytes_out: 10,
    heartbeat_at: T0,
    last_output_at: T0,
    last_human_input_at: null,
    created_at: T0,
    updated_at: T0,
    exited_at: null,
    ...over,
  };
}

export function ticket(id: string, over: Partial<Ticket> = {}): Ticket {
  return {
    id,
    workspace: "default",
    title: `ticket ${id}`,
    body: "",
    priority: 0,
    labels: [],
    state: "ready",
    state_reason: null,
    depends_on: [],
    requires_approval: false,
    agent_kind: null,
    timeout_ms: null,
    max_attempts: null,
    attempts: 0,
    lease_owner: null,
    lease_expires_at: null,
    not_before: null,
    result: null,
    inputs: null,
    workflow_id: null,
    idempotency_key: null,
    source_file: null,
    version: 1,
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

export const DIFF = [
  "diff --git a/src/app.ts b/src/app.ts",
  "index 1111111..2222222 100644",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -1,3 +1,3 @@",
  " const a = 1;",
  "-const b = 2;",
  "+const b = 3;",
  "diff --git a/NOTES.md b/NOTES.md",
  "new file mode 100644",
  "--- /dev/null",
  "+++ b/NOTES.md",
  "@@ -0,0 +1 @@",
  "+hello",
  "",
].join("\n");

export function approval(id: string, over: Partial<ApprovalDetail> = {}): ApprovalDetail {
  return {
    id,
    ticket_id: "t-1",
    state: "pending",
    summary: "change b to 3",
    diff: DIFF,
    diff_truncated: false,
    // as the daemon builds them from a workdir: every file the diff touches, and which of them git did not track
    files_changed: ["NOTES.md", "src/app.ts"],
    untracked: ["NOTES.md"],
    workdir: "/tmp/w",
    base: "HEAD",
    requested_by: "a1",
    requested_at: T0,
    expires_at: "2026-12-03T13:00:00.000Z",
    decided_by: null,
    decided_at: null,
    decision_reason: null,
    expired: false,
    audit: [],
    ...over,
  };
}

export function thread(id: string, over: Partial<Thread> = {}): Thread {
  return {
    id,
    workspace: "default",
    type: "discussion",
    title: `thread ${id}`,
    status: "open",
    status_reason: null,
    ticket_id: null,
    participants: [{ agent_id: "a1", role: "executor", last_read_seq: 0, unread: 2, joined_at: T0 }],
    last_seq: 2,
    unread: 2,
    no_progress_turns: 0,
    escalation: null,
    summary: null,
    created_by: "operator",
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

export function message(seq: number, body: string, over: Partial<Message> = {}): Message {
  return {
    thread_id: "th-1",
    seq,
    author: "a1",
    kind: "message",
    body,
    in_reply_to: null,
    progress: false,
    idempotency_key: null,
    schema_version: 1,
    created_at: T0,
    ...over,
  };
}

export function env(name: string, over: Partial<EnvRecord> = {}): EnvRecord {
  return {
    name,
    project: "demo",
    provider: "worktree",
    state: "running",
    state_reason: null,
    repo: "/tmp/repo",
    branch: `swarm/${name}`,
    host_path: `/tmp/wt/${name}`,
    cpus: 2,
    memory_mib: 2048,
    capabilities: { net: "proxy", proxy_allow: [], resources_enforced: false },
    handle: {},
    created_at: T0,
    updated_at: T0,
    last_activity_at: T0,
    ...over,
  };
}

export function event(id: number, type: string, subject: string | null = null, data: Record<string, unknown> = {}): EventRecord {
  return { id, ts: T0, type, schema_version: 1, subject, data };
}

export const DAEMON = {
  pid: 4242,
  version: "0.1.0",
  protocol_version: "1.0",
  socket: "/s",
  database: "/db",
  home: "/h",
  config_file: "/c",
  log_file: "/l",
  started_at: T0,
  uptime_s: 1,
  connections: 1,
  last_event_id: 0,
};

/** Fills a store as a connected session would. */
export function seed(store: Store, patch: Parameters<typeof loaded>[0] = {}): void {
  store.dispatch({ type: "conn/connected", daemon: DAEMON, missing: [] });
  store.dispatch(loaded(patch));
}

export function loaded(patch: Partial<TuiState["data"]>) {
  return { type: "data/loaded" as const, patch };
}
