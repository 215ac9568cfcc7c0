import type { StepUi } from "./steps.js";

/**
 * The scripted agent's screen and keyboard, shaped like an interactive coding agent's so the
 * daemon's detectors, `runtime send` and the TUI treat it as one. The screen contract
 * (daemon/runtime/adapters/scripted.ts reads it):
 *   ready/idle:  the cursor sits on a line starting with "> " (the prompt)
 *   working:     a line "<spinner> Working… (N.Ns) <what>" redrawn every 80 ms
 *   approval:    the cursor line ends with "Allow? (y/n)"
 * Input: typed keys and bracketed pastes (ESC[200~ … ESC[201~) fill the input line; Enter
 * submits (a newline inside a paste does not); Ctrl-C clears the line; Ctrl-D on an empty
 * line or "/exit" quits.
 */
const SPIN = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

export interface TerminalHooks {
  /** a submitted message (a paste's newlines kept) */
  onMessage(text: string): void;
  onQuit(): void;
}

export class Terminal implements StepUi {
  private input = "";
  private inPaste = false;
  private pending = "";
  private answer: ((yes: boolean) => void) | null = null;
  /** while a message is being worked on, the prompt is not drawn */
  busy = false;

  constructor(
    private readonly write: (s: string) => void,
    private readonly hooks: TerminalHooks,
    private readonly prompt = "> ",
    /** shortest time a step shows its spinner, so watchers see the agent working */
    private readonly minStepMs = 300,
    private readonly cols: () => number | undefined = () => undefined,
  ) {}

  start(banner: string): void {
    this.write("\x1b[?2004h");
    this.write(`${banner}\r\n`);
    this.drawPrompt();
  }

  end(): void {
    this.write("\x1b[?2004l\r\nbye\r\n");
  }

  drawPrompt(): void {
    this.write(`\r\x1b[K${this.prompt}${this.inputView()}`);
  }

  private width(): number {
    return Math.max(20, this.cols() ?? 80);
  }

  /** The input line on one row (a long or pasted input shows its end), so a redraw never leaves wrapped rows behind. */
  private inputView(): string {
    const lines = this.input.split(/\r\n|\r|\n/);
    const head = lines.length > 1 ? `[pasted ${lines.length} lines] ` : "";
    const room = Math.max(10, this.width() - this.prompt.length - head.length - 1);
    const last = lines[lines.length - 1]!;
    return head + ([...last].length > room ? "…" + [...last].slice(-(room - 1)).join("") : last);
  }

  print(line: string): void {
    this.write(`\r\x1b[K${line.replace(/\r?\n/g, "\r\n")}\r\n`);
  }

  async work<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let frame = 0;
    // one row, never wrapped: a redraw clears only the row the cursor is on
    const fit = (line: string) => ([...line].length > this.width() ? [...line].slice(0, this.width() - 1).join("") + "…" : line);
    const spin = () => this.write(`\r\x1b[K${fit(`${SPIN[frame++ % SPIN.length]} Working… (${((Date.now() - started) / 1000).toFixed(1)}s) ${label}`)}`);
    spin();
    const timer = setInterval(spin, 80);
    try {
      const [value] = await Promise.all([fn(), new Promise((r) => setTimeout(r, this.minStepMs))]);
      return value;
    } finally {
      clearInterval(timer);
      this.write("\r\x1b[K");
    }
  }

  ask(question: string): Promise<boolean> {
    this.write(`\r\x1b[K${question}\r\nAllow? (y/n)`);
    return new Promise((resolve) => {
      this.answer = (yes) => {
        this.answer = null;
        this.write(` ${yes ? "y" : "n"}\r\n${yes ? "approved" : "declined"}\r\n`);
        resolve(yes);
      };
    });
  }

  private key(ch: string): void {
    if (this.answer && !this.inPaste && /^[yYnN]$/.test(ch)) return this.answer(ch.toLowerCase() === "y");
    if (ch === "\r" || ch === "\n") {
      if (this.inPaste) this.input += "\n";
      else {
        const text = this.input;
        this.input = "";
        if (text.trim() === "/exit") return this.hooks.onQuit();
        // an answer sent as a message (`runtime send NAME y` pastes it, then Enter)
        const yn = /^\s*(y|yes|n|no)\s*$/i.exec(text);
        if (this.answer && yn) return this.answer(yn[1]!.toLowerCase().startsWith("y"));
        if (!this.busy) this.write("\r\n");
        this.hooks.onMessage(text);
        return;
      }
    } else if (ch === "\x7f" || ch === "\b") this.input = [...this.input].slice(0, -1).join("");
    else if (ch === "\x03") this.input = "";
    else if (ch === "\x04") {
      if (this.input === "") return this.hooks.onQuit();
    } else if (ch >= " " || ch === "\t") this.input += ch;
    else return;
    if (!this.busy) this.drawPrompt();
  }

  /** Feeds raw terminal input: bracketed-paste markers, escape sequences (ignored) and keys. */
  feed(chunk: string): void {
    let s = this.pending + chunk;
    this.pending = "";
    while (s.length > 0) {
      if (s.startsWith(PASTE_START) || s.startsWith(PASTE_END)) {
        this.inPaste = s.startsWith(PASTE_START);
        s = s.slice(PASTE_START.length);
        if (!this.inPaste && !this.busy) this.drawPrompt();
        continue;
      }
      if (s[0] === "\x1b") {
        if (PASTE_START.startsWith(s) || PASTE_END.startsWith(s)) {
          this.pending = s; // a marker cut in two by the read: wait for the rest
          return;
        }
        const m = /^\x1b\[[0-9;?]*[ -/]*[@-~]/.exec(s);
        s = s.slice(m ? m[0].length : 1);
        continue;
      }
      const ch = String.fromCodePoint(s.codePointAt(0)!);
      s = s.slice(ch.length);
      if (ch === "\r" && s[0] === "\n" && !this.inPaste) s = s.slice(1); // CRLF from a typed Enter counts once
      this.key(ch);
    }
  }
}
