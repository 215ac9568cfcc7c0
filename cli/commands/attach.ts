import type { Command } from "commander";
import { RUNTIME_NOTIFICATIONS } from "../../protocol/notifications.js";
import type { CliContext, CommandGroup } from "../context.js";

/** Ctrl-] detaches (as in telnet); documented in docs/runtimes.md. */
export const DETACH_KEY = 0x1d;
// Modes a snapshot may have switched on in the viewer's terminal; switched off on detach.
const RESET_MODES = "\x1b[?2004l\x1b[?1l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[0m";

/**
 * Raw interactive attach: replay the daemon's serialized screen, then stream output, forward
 * keystrokes (marked as human input) and terminal resizes, until Ctrl-] or the runtime exits.
 */
export async function attach(c: CliContext, name: string, o: { resize: boolean }): Promise<void> {
  const client = await c.client();
  const stdin = process.stdin;
  const stdout = process.stdout;
  let finish!: (msg: string) => void;
  const done = new Promise<string>((resolve) => (finish = resolve));
  client.on(RUNTIME_NOTIFICATIONS.output, (x) => {
    if (x.name !== name) return;
    // A reset means we fell behind and the daemon skipped ahead: redraw from its snapshot.
    if (x.reset) stdout.write("\x1b[0m\x1b[H\x1b[2J\x1b[3J");
    stdout.write(x.data);
  });
  client.on(RUNTIME_NOTIFICATIONS.exit, (x) => {
    if (x.name === name) finish(`runtime ${name} exited (${x.exit_signal ? `signal ${x.exit_signal}` : `code ${x.exit_code}`})`);
  });
  client.onClose(() => finish("connection to swarmd lost"));

  const tty = stdout.isTTY === true;
  if (o.resize && tty) await client.call("runtime.resize", { name, cols: stdout.columns, rows: stdout.rows });
  const r = await client.call("runtime.attach", { name });
  if (tty) stdout.write("\x1b[?1049h\x1b[H\x1b[2J");
  stdout.write(r.snapshot);

  const onResize = () => void client.call("runtime.resize", { name, cols: stdout.columns, rows: stdout.rows }).catch(() => {});
  if (o.resize && tty) stdout.on("resize", onResize);
  if (stdin.isTTY) stdin.setRawMode(true);
  const onData = (buf: Buffer) => {
    const k = buf.indexOf(DETACH_KEY);
    const keys = k >= 0 ? buf.subarray(0, k) : buf;
    if (keys.length) void client.call("runtime.input", { name, data: keys.toString("utf8"), human: true }).catch(() => {});
    if (k >= 0) finish(`detached from ${name}`);
  };
  stdin.on("data", onData);
  stdin.on("end", () => finish(`detached from ${name} (end of input)`));
  stdin.resume();

  const msg = await done;
  stdin.off("data", onData);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  stdout.off("resize", onResize);
  await client.call("runtime.detach", { name }).catch(() => {});
  if (tty) stdout.write(RESET_MODES + "\x1b[?1049l");
  process.stderr.write(`[${msg}]\n`);
  if (c.out.json) c.out.printJson({ name, detached: true, reason: msg });
}

export function attachCommand(cmd: Command, ctx: () => CliContext): Command {
  return cmd
    .description("attach this terminal to a runtime: see its screen, type into it; Ctrl-] detaches")
    .argument("<name>", "runtime name")
    .option("--no-resize", "leave the runtime's size as it is instead of matching this terminal")
    .action(async (name: string, o: { resize: boolean }) => attach(ctx(), name, o));
}

export const register: CommandGroup = (program, ctx) => {
  attachCommand(program.command("attach"), ctx);
};
