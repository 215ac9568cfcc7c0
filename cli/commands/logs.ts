import fs from "node:fs";
import type { Command } from "commander";
import type { Runtime } from "../../protocol/methods/runtime.js";
import type { CliContext, CommandGroup } from "../context.js";

type ShowResult = Runtime & { recordings: string[] };

/** One asciicast v2 event: seconds since start, kind ("o" output, "i" input, "r" resize), text. */
export type CastEvent = [number, string, string];

/** Parses the event lines of an asciicast file (the first line is the header). */
export function castEvents(text: string): CastEvent[] {
  const out: CastEvent[] = [];
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as CastEvent);
    } catch {
      // a line being written right now; the follower picks it up next time
    }
  }
  return out;
}

const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** Terminal output as plain text: escape sequences dropped, CRLF as LF, lone CR as LF. */
export function plainText(s: string): string {
  return s.replace(ESCAPES, "").replace(/\r\n/g, "\n").replace(/\r/g, "\n");
}

async function showRuntime(c: CliContext, name: string): Promise<ShowResult> {
  return c.call("runtime.show", { name });
}

type Mode = "raw" | "text" | "json";

function emit(events: CastEvent[], mode: Mode): void {
  if (mode === "json") {
    for (const [t, kind, data] of events) process.stdout.write(JSON.stringify({ t, kind, data }) + "\n");
    return;
  }
  const raw = mode === "raw";
  let buf = carriedCR ? "\r" : "";
  carriedCR = false;
  for (const [, kind, data] of events) if (kind === "o") buf += data;
  // A "\r\n" split between two reads (or two files) must not become two line breaks.
  if (!raw && buf.endsWith("\r")) {
    carriedCR = true;
    buf = buf.slice(0, -1);
  }
  if (buf) process.stdout.write(raw ? buf : plainText(buf));
}

let carriedCR = false;

/** Prints a runtime's recorded output; with follow, keeps printing until the runtime has exited. */
export async function printLogs(c: CliContext, name: string, o: { follow?: boolean; raw?: boolean }): Promise<void> {
  const mode: Mode = c.out.json ? "json" : o.raw ? "raw" : "text";
  const rt = await showRuntime(c, name);
  const files = rt.recordings;
  for (const f of files.slice(0, -1)) emit(castEvents(fs.readFileSync(f, "utf8")), mode);
  const current = files[files.length - 1];
  if (!current) {
    if (!o.follow) return;
  }
  let file = current ?? "";
  const text = file ? fs.readFileSync(file, "utf8") : "";
  // Only complete lines are consumed; a half-written last line waits for the next read.
  let consumed = text.lastIndexOf("\n") + 1;
  emit(castEvents(text.slice(0, consumed)), mode);
  if (!o.follow) return;
  let ino = file ? fs.statSync(file).ino : 0;
  let doneChecks = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const latest = (await showRuntime(c, name)).recordings;
    const newest = latest[latest.length - 1];
    if (newest) {
      const st = fs.statSync(newest);
      if (newest !== file || st.ino !== ino) {
        // Rotated: the old file was renamed; finish it, then start on the fresh one.
        file = newest;
        ino = st.ino;
        consumed = 0;
      }
      const fd = fs.openSync(file, "r");
      const size = fs.fstatSync(fd).size;
      if (size > consumed) {
        const b = Buffer.alloc(size - consumed);
        fs.readSync(fd, b, 0, b.length, consumed);
        const chunk = b.toString("utf8");
        const end = chunk.lastIndexOf("\n") + 1;
        const part = chunk.slice(0, end);
        // castEvents skips line 0 (the header); keep the header out only at file start.
        emit(castEvents(consumed === 0 ? part : "\n" + part), mode);
        consumed += Buffer.byteLength(part);
      }
      fs.closeSync(fd);
    }
    const st = (await showRuntime(c, name)).state;
    if (st === "exited" || st === "lost") {
      if (++doneChecks > 2) return;
    }
  }
}

export const register: CommandGroup = (program: Command, ctx) => {
  program
    .command("logs")
    .description("print a runtime's recorded output (plain text; --raw terminal bytes; --json one event per line); -f follows it")
    .argument("<name>", "runtime name")
    .option("-f, --follow", "keep printing new output until the runtime exits (Ctrl-C to stop)")
    .option("--raw", "print the raw terminal output, escape sequences included")
    .action(async (name: string, o: { follow?: boolean; raw?: boolean }) => printLogs(ctx(), name, o));
};
