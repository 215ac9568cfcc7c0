/** Human output: tables, colour (off with NO_COLOR or when not a TTY), and JSON. */
export interface Output {
  json: boolean;
  color: boolean;
  print(text: string): void;
  printJson(value: unknown): void;
  table(rows: Record<string, unknown>[], columns: { key: string; header?: string }[]): void;
  ok(text: string): string;
  warn(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
}

export function createOutput(json: boolean, stream: NodeJS.WriteStream = process.stdout): Output {
  const color = !json && stream.isTTY === true && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
  const paint = (code: string) => (t: string) => (color ? `\x1b[${code}m${t}\x1b[0m` : t);
  return {
    json,
    color,
    print: (text) => void stream.write(text.endsWith("\n") ? text : text + "\n"),
    printJson: (value) => void stream.write(JSON.stringify(value, null, 2) + "\n"),
    table(rows, columns) {
      const cell = (v: unknown) => (v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v));
      const headers = columns.map((c) => (c.header ?? c.key).toUpperCase());
      const body = rows.map((r) => columns.map((c) => cell(r[c.key])));
      const widths = headers.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
      stream.write(line(headers) + "\n");
      for (const b of body) stream.write(line(b) + "\n");
      if (rows.length === 0) stream.write("(none)\n");
    },
    ok: paint("32"),
    warn: paint("33"),
    fail: paint("31"),
    dim: paint("2"),
  };
}

/**
 * A reader that goes away (`swarmctl events | head -3`) closes our stdout; the next write
 * fails with EPIPE. Like `git log | head`, that is a normal end, not an error: exit 0 at once,
 * with nothing on stderr, whichever command (or --follow loop) was writing. Installed once.
 */
export function endQuietlyOnClosedStdout(stream: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = (c) => process.exit(c)): void {
  if (stream.listeners("error").some((l) => (l as { swarmEpipe?: true }).swarmEpipe)) return;
  const onError = Object.assign(
    (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") return exit(0);
      throw err;
    },
    { swarmEpipe: true as const },
  );
  stream.on("error", onError);
}
