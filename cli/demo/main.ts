/**
 * `swarm demo`: the main job in one command. A scratch repository under $SWARM_HOME, a
 * fork-join workflow of six tickets run by scripted agents in worktrees, and then the TUI
 * on it (bin/swarm.js opens it when this returns openTui). `--no-tui` prints progress and
 * ends when the workflow waits for the approval or finishes; `--clean` removes it all.
 */
import path from "node:path";
import { connectDaemon, type RpcClient } from "../../client/index.js";
import { ERROR_KINDS, SwarmError } from "../../protocol/errors.js";
import { resolvePaths } from "../../protocol/paths.js";
import { parseDurationMs } from "../../protocol/units.js";
import { createOutput, type Output } from "../output.js";
import { cleanDemo, readState, setUpDemo } from "./setup.js";

const USAGE = `usage: swarm demo [--no-tui] [--clean] [--timeout SECONDS|DURATION]

  (no flag)   build a scratch repository under $SWARM_HOME/demo, submit a six-ticket workflow
              run by scripted agents, and open the TUI on it
  --no-tui    print progress instead; end when the workflow waits for the approval or is done
  --clean     remove everything a demo made (tickets stopped, runtimes, environments, config, repository)
  --timeout   with --no-tui: give up after this many seconds, or a duration like 2m (default 120)
`;

interface DemoOptions {
  tui: boolean;
  clean: boolean;
  timeoutS: number;
}

function parse(argv: string[]): DemoOptions | string {
  const o: DemoOptions = { tui: true, clean: false, timeoutS: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--no-tui") o.tui = false;
    else if (a === "--clean") o.clean = true;
    else if (a === "--timeout") {
      // seconds, or a duration as swarmctl --timeout takes it (90, 90s, 2m)
      const v = argv[++i] ?? "";
      o.timeoutS = /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : (parseDurationMs(v) ?? NaN) / 1000;
      if (!Number.isFinite(o.timeoutS) || o.timeoutS <= 0) return `--timeout needs seconds or a duration such as 90, 90s or 2m, not ${JSON.stringify(v)}`;
    } else if (a === "--help" || a === "-h") return "";
    else return `unknown argument ${a}`;
  }
  return o;
}

type Wf = { state: string; tickets: { id: string; key: string; state: string }[] };

/** Prints each ticket's moves until the release waits for approval, the workflow ends, or the deadline passes. */
async function follow(c: RpcClient, out: Output, workflow: string, timeoutS: number): Promise<number> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutS * 1000;
  let lastMove = Date.now();
  let reviewSince: number | null = null;
  for (;;) {
    const wf = (await c.call("ticket.workflow", { id: workflow })) as Wf;
    for (const t of wf.tickets) {
      if (seen.get(t.id) === t.state) continue;
      seen.set(t.id, t.state);
      lastMove = Date.now();
      out.print(`${new Date().toISOString().slice(11, 19)}  ${t.id.padEnd(16)} ${t.state}`);
    }
    const release = wf.tickets.find((t) => t.key === "release");
    if (release?.state === "review") {
      const { approvals } = (await c.call("approval.list", { ticket_id: release.id, state: "pending" })) as { approvals: { id: string }[] };
      const ap = approvals[0]?.id;
      // the approval is requested just after the ticket enters review: give it a moment
      reviewSince ??= Date.now();
      if (!ap && Date.now() - reviewSince < 10_000) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      out.print(
        `the release waits for your approval${ap ? `: swarmctl approval show ${ap}, then swarmctl approval approve ${ap}` : ""} (or in the TUI: swarm)`,
      );
      return 0;
    }
    if (wf.state === "done" || wf.state === "failed") {
      out.print(`workflow ${wf.state}`);
      return wf.state === "done" ? 0 : 1;
    }
    if (Date.now() - lastMove > 10_000) {
      lastMove = Date.now();
      const s = await c.call("coordinator.status", {});
      for (const q of s.queue) if (q.reason) out.print(out.warn(`  waiting: ${q.reason}`));
    }
    if (Date.now() > deadline) {
      out.print(out.fail(`gave up after ${timeoutS} s; see swarmctl coordinator status`));
      return 9;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function demo(argv: string[]): Promise<{ code: number; openTui: boolean }> {
  const o = parse(argv);
  if (typeof o === "string") {
    (o ? process.stderr : process.stdout).write(o ? `swarm demo: ${o}\n${USAGE}` : USAGE);
    return { code: o ? 64 : 0, openTui: false };
  }
  const out = createOutput(false);
  const paths = resolvePaths();
  const dir = path.join(paths.home, "demo");
  let c: RpcClient | null = null;
  try {
    c = await connectDaemon(paths, { autostart: true, clientName: "swarm-demo" });
    const log = (line: string) => out.print(`${out.ok("demo")} ${line}`);
    if (o.clean) {
      if (!(await cleanDemo(c, dir, log))) log(`nothing to clean (no demo in ${dir})`);
      return { code: 0, openTui: false };
    }
    if (readState(dir)) await cleanDemo(c, dir, (l) => log(`previous demo: ${l}`));
    const s = await setUpDemo(c, dir, log);
    const host = (await c.call("coordinator.status", {})).host;
    if (!host.ok) {
      out.print(
        out.warn(
          `note: ${host.reason}: the tickets wait until the host admits new runs (to ignore the load: swarmctl config set coordinator.max_load_per_cpu 0)`,
        ),
      );
    }
    if (o.tui) {
      log("opening the TUI: agents work in their panes; the release waits for your approval (swarm demo --clean removes it all)");
      return { code: 0, openTui: true };
    }
    return { code: await follow(c, out, s.workflow, o.timeoutS), openTui: false };
  } catch (err) {
    const e = err instanceof SwarmError ? err : new SwarmError("INTERNAL", (err as Error).stack ?? String(err));
    process.stderr.write(`swarm demo: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ""}`);
    return { code: ERROR_KINDS[e.kind].exitCode, openTui: false };
  } finally {
    c?.close();
  }
}
