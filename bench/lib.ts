import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown cpu";
  // the load at the start of the run: on a shared host it explains a slow row better than anything else
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, load ${load} (1/5/15 min)`;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

/** Replaces (or appends) the section between `<!-- bench:NAME -->` markers in docs/benchmarks.md. */
export function writeSection(name: string, body: string): void {
  const file = path.join(ROOT, "docs/benchmarks.md");
  let text = fs.existsSync(file)
    ? fs.readFileSync(file, "utf8")
    : "# Benchmarks\n\nWritten by `npm run bench` (each section by its own bench; see bench/). Figures are from one run on the machine named in the section; treat them as rough on shared machines.\n";
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : text.trimEnd() + "\n\n" + block + "\n";
  fs.writeFileSync(file, text);
}

/** Minimal newline-JSON client used against both the daemon and the raw echo peer. */
export class LineClient {
  private buf = "";
  private pending = new Map<number, (v: unknown) => void>();
  private nextId = 1;
  private constructor(private readonly s: net.Socket) {
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(this.buf.slice(0, nl)) as { id: number };
        this.buf = this.buf.slice(nl + 1);
        this.pending.get(msg.id)?.(msg);
        this.pending.delete(msg.id);
      }
    });
  }
  static open(p: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(p, () => resolve(new LineClient(s)));
      s.once("error", reject);
    });
  }
  call(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.s.write(JSON.stringify({ jsonrpc: "2.0", method, params, id }) + "\n");
    });
  }
  close(): void {
    this.s.destroy();
  }
}
