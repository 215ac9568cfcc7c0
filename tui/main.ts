import { parseArgs } from "node:util";
import { resolvePaths } from "../protocol/paths.js";
import { NOTIFY_MODES, type NotifyMode } from "./conn/notify.js";
import type { ViewId } from "./state/types.js";

const VIEW_NAMES = ["agents", "tickets", "approvals", "threads", "events", "envs", "coordinator"];

export const USAGE = `usage: swarm [tui] [--no-autostart] [--view VIEW] [--focus RUNTIME] [--notify off|bell|osc9]

Full-screen terminal UI for swarmd (started if it is not running, unless --no-autostart).
Views: ${VIEW_NAMES.join(", ")}. --notify rings the bell (or sends an OSC 9 notification)
when something new needs you (default: the config's tui.notify, off unless set).
Keys: ? shows the keys of the current view, q quits.

       swarm demo [--no-tui] [--clean]
Runs the main job on a scratch repository: scripted agents work a six-ticket workflow in
worktrees, one waits for your approval; see \`swarm demo --help\`.
`;

export interface RunTuiOptions {
  /** Environment whose SWARM_HOME (etc.) names the daemon to talk to; default process.env. */
  env?: NodeJS.ProcessEnv;
  autostart?: boolean;
  view?: ViewId;
  /** A runtime to focus and zoom once it is listed. */
  focus?: string;
  notify?: NotifyMode;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/**
 * Opens the TUI on a home (as `swarm demo` does) and resolves when the user quits.
 * Ink decides at import time whether it runs in CI (CI=true, as in CI jobs and some
 * shells) and then draws only the final frame; on a real terminal it must be live, so
 * those variables are hidden while Ink loads.
 */
export async function runTui(o: RunTuiOptions = {}): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION, NODE_ENV: process.env.NODE_ENV };
  if (stdout.isTTY) {
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
  }
  // React's development build (the default without NODE_ENV) costs several times the CPU per frame.
  process.env.NODE_ENV ??= "production";
  const { openTui } = await import("./run.js");
  for (const [k, v] of Object.entries(saved)) {
    if (v !== undefined) process.env[k] = v;
    else if (k === "NODE_ENV") delete process.env.NODE_ENV;
  }
  return openTui({
    paths: resolvePaths(o.env ?? process.env),
    autostart: o.autostart ?? true,
    ...(o.view ? { view: o.view } : {}),
    ...(o.focus ? { focus: o.focus } : {}),
    ...(o.notify ? { notify: o.notify } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    // diagnostic: Ink as it comes (draws the pane bodies, its own cell grid), as before issue 13 (the bench compares)
    ...((o.env ?? process.env).SWARM_TUI_PLAIN_INK === "1" ? { plainInk: true } : {}),
    stdout,
  });
}

type Parsed = { help: true } | { help: false; autostart: boolean; view?: ViewId; focus?: string; notify?: NotifyMode } | { error: string };

/** `swarm [tui] [--no-autostart] [--view V] [--focus NAME] [-h]`; anything else is a usage error naming it. */
export function parseTuiArgs(args: string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        help: { type: "boolean", short: "h" },
        "no-autostart": { type: "boolean" },
        view: { type: "string" },
        focus: { type: "string" },
        notify: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
    const extra = positionals.filter((a) => a !== "tui");
    if (extra.length) return { error: `unknown argument ${extra[0]}` };
    if (values.help) return { help: true };
    if (values.view !== undefined && !VIEW_NAMES.includes(values.view)) return { error: `--view ${values.view}: not a view (one of ${VIEW_NAMES.join(", ")})` };
    if (values.notify !== undefined && !NOTIFY_MODES.includes(values.notify as NotifyMode))
      return { error: `--notify ${values.notify}: one of ${NOTIFY_MODES.join(", ")}` };
    return {
      help: false,
      ...(values.notify ? { notify: values.notify as NotifyMode } : {}),
      autostart: values["no-autostart"] !== true,
      ...(values.view ? { view: values.view as ViewId } : {}),
      ...(values.focus ? { focus: values.focus } : {}),
    };
  } catch (err) {
    return { error: (err as Error).message.split("\n")[0]! };
  }
}

/** Entry of `swarm` (bin/swarm.js). */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseTuiArgs(argv.slice(2));
  if ("error" in parsed) {
    process.stderr.write(`swarm: ${parsed.error}\n${USAGE}`);
    return 64;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write("swarm: the TUI needs a terminal; use swarmctl for scripts\n");
    return 2;
  }
  const { help: _h, ...rest } = parsed;
  return runTui(rest);
}
