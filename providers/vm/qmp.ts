/** A minimal QMP client: one command at a time, events ignored. */
import net from "node:net";
import { SwarmError } from "../../protocol/errors.js";
import { pollUntil, waitUntil } from "../../protocol/wait.js";

export class Qmp {
  private buf = "";
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private greeted: Promise<void>;

  private constructor(private readonly sock: net.Socket) {
    let onGreeting: () => void = () => undefined;
    this.greeted = new Promise((r) => (onGreeting = r));
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        if (msg.QMP) onGreeting();
        else if (msg.event) continue;
        else if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          if (msg.error) w.reject(new SwarmError("INTERNAL", `QEMU refused a command: ${msg.error.desc}`));
          else w.resolve(msg.return);
        }
      }
    });
    sock.on("close", () => {
      this.waiting?.reject(new SwarmError("UNAVAILABLE", "QEMU closed its monitor connection (the VM exited)"));
      this.waiting = null;
    });
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    let last: Error | null = null;
    const attempt = async (): Promise<Qmp | null> => {
      try {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(path);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        const q = new Qmp(s);
        await q.greeted;
        await q.command("qmp_capabilities");
        return q;
      } catch (e) {
        last = e as Error;
        return null;
      }
    };
    const q = await pollUntil(attempt, { timeoutMs, everyMs: 10 });
    if (q) return q;
    throw new SwarmError("UNAVAILABLE", `cannot reach the VM monitor at ${path}: ${(last as Error | null)?.message ?? "timed out"}`, {
      hint: "is the VM running? see `swarmctl env show NAME`",
    });
  }

  command<T = unknown>(execute: string, args?: Record<string, unknown>): Promise<T> {
    if (this.waiting) throw new Error("Qmp: one command at a time");
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve: resolve as (v: unknown) => void, reject };
      this.sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + "\n");
    });
  }

  /** Migrates the VM's state into a file; the VM is left stopped (state "postmigrate"). */
  async saveState(file: string, timeoutMs = 120_000): Promise<void> {
    await this.command("migrate", { uri: `exec:cat > '${file.replace(/'/g, "'\\''")}'` });
    const completed = async (): Promise<boolean> => {
      const st = await this.command<{ status?: string; "error-desc"?: string }>("query-migrate");
      if (st.status === "failed" || st.status === "cancelled") {
        throw new SwarmError("INTERNAL", `saving the VM state failed: ${st["error-desc"] ?? st.status}`);
      }
      return st.status === "completed";
    };
    await waitUntil("the VM state to be saved", completed, { timeoutMs, everyMs: 5 });
  }

  /** After `-incoming`: waits for the state to load, then runs the VM. */
  async resumeIncoming(timeoutMs = 60_000): Promise<void> {
    const loaded = async (): Promise<boolean> => {
      const st = await this.command<{ status: string; running: boolean }>("query-status");
      if (st.running) return true;
      if (st.status === "inmigrate") return false;
      await this.command("cont");
      return true;
    };
    await waitUntil("the VM state to load", loaded, { timeoutMs, everyMs: 2 });
  }

  close(): void {
    this.sock.destroy();
  }
}
