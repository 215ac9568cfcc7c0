/**
 * Collision control (R-M7) from what the daemon sees at the input side: every keystroke a
 * person types through an attach (CLI or TUI) passes through runtime.input, so the wake
 * knows when each runtime was last typed into and whether a line is half-typed (a draft:
 * keys since the last Enter, Ctrl-C or Ctrl-U). Screen reading is the second opinion, in
 * the delivery itself (runtime.send refuses over text on the input line that is not ours).
 */
export class HumanInput {
  private readonly last = new Map<string, number>();
  private readonly line = new Map<string, string>();

  feed(name: string, data: string, now = Date.now()): void {
    this.last.set(name, now);
    let line = this.line.get(name) ?? "";
    // escape sequences (arrows, focus reports, paste markers) move or mark, they add no text
    const text = data.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]/g, "");
    for (const ch of text) {
      if (ch === "\r" || ch === "\n" || ch === "\x03" || ch === "\x15") line = "";
      else if (ch === "\x7f" || ch === "\b") line = [...line].slice(0, -1).join("");
      else if (ch >= " " || ch === "\t") line += ch;
    }
    this.line.set(name, line);
  }

  /** ms since the last human keystroke into `name` (Infinity: none seen), the newer of ours and the runtime's record. */
  sinceLast(name: string, recorded: string | null, now = Date.now()): number {
    const at = Math.max(this.last.get(name) ?? 0, recorded ? Date.parse(recorded) : 0);
    return at === 0 ? Infinity : now - at;
  }

  /** The half-typed line, if any. */
  draft(name: string): string {
    return this.line.get(name) ?? "";
  }

  forget(name: string): void {
    this.last.delete(name);
    this.line.delete(name);
  }
}

/** Per-runtime injection rate (token bucket). In memory: a restart refills every bucket. */
export class InjectionRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: () => { per_minute: number; burst: number }) {}

  /** 0 when a token was taken, else ms until one is free. */
  take(name: string, now = Date.now()): number {
    const { per_minute, burst } = this.limits();
    const perMs = per_minute / 60_000;
    const b = this.buckets.get(name) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(name, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perMs);
  }
}

/** The trigger text: `{name}` placeholders filled in; unknown ones are left as they are. */
export function renderTrigger(template: string, vars: Record<string, string | number>): string {
  const text = template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
  // one line: a newline would submit early; control characters have no place in a prompt
  return text.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
}
