import type headless from "@xterm/headless";

type Term = InstanceType<typeof headless.Terminal>;

/** What the model says it is (XTVERSION); programs treat an unknown name as a baseline xterm. */
export const TERMINAL_NAME = "swarm(xterm.js 6)";

/** xterm.js's default theme: what a viewer sees unless its own terminal recolours it. */
const FOREGROUND = "ffffff";
const BACKGROUND = "000000";
const ANSI16 = [
  "2e3436",
  "cc0000",
  "4e9a06",
  "c4a000",
  "3465a4",
  "75507b",
  "06989a",
  "d3d7cf",
  "555753",
  "ef2929",
  "8ae234",
  "fce94f",
  "729fcf",
  "ad7fa8",
  "34e2e2",
  "eeeeec",
];

/** Colour `n` of the 256-colour palette as 6 hex digits (16 ANSI, the 6x6x6 cube, 24 greys). */
export function paletteHex(n: number): string {
  if (n < 16) return ANSI16[n]!;
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  if (n >= 232) return hex(8 + 10 * (n - 232)).repeat(3);
  const steps = [0, 95, 135, 175, 215, 255];
  const i = n - 16;
  return hex(steps[Math.floor(i / 36)]!) + hex(steps[Math.floor(i / 6) % 6]!) + hex(steps[i % 6]!);
}

/** "rgb:rrrr/gggg/bbbb", the form xterm answers colour queries in. */
function xrgb(hex: string): string {
  const c = (i: number) => hex.slice(i, i + 2).repeat(2);
  return `rgb:${c(0)}/${c(2)}/${c(4)}`;
}

const ST = "\x1b\\";

/**
 * Answers the terminal queries xterm.js leaves unanswered, so a program that asks at start
 * (Claude Code, Codex, Gemini CLI all do) gets its reply with no viewer attached. xterm.js
 * itself answers DSR/CPR (`CSI 6n`), DA1 (`CSI c`), DA2 (`CSI > c`), DECRQM and `CSI 18 t`
 * through its onData; this adds:
 * - OSC 10 / 11 / 12 `?` (foreground, background, cursor colour) and OSC 4 `N;?` (palette),
 * - `CSI ? u`, the kitty keyboard query, with the flags the program pushed (`CSI > f u`,
 *   `CSI < n u`, `CSI = f ; m u` are tracked),
 * - `CSI > q` / `CSI > 0 q` (XTVERSION).
 * OSC 52 clipboard reads are never answered: the daemon has no clipboard to give away.
 */
export function installReplies(term: Term, reply: (data: string) => void): void {
  const p = term.parser;
  const colour = (code: number, hex: string) =>
    p.registerOscHandler(code, (data) => {
      if (data !== "?") return false; // a set: xterm.js handles it
      reply(`\x1b]${code};${xrgb(hex)}${ST}`);
      return true;
    });
  colour(10, FOREGROUND);
  colour(11, BACKGROUND);
  colour(12, FOREGROUND);
  p.registerOscHandler(4, (data) => {
    const parts = data.split(";");
    if (parts.length % 2 !== 0 || !parts.some((v, i) => i % 2 === 1 && v === "?")) return false;
    for (let i = 0; i < parts.length; i += 2) {
      const n = Number(parts[i]);
      if (parts[i + 1] === "?" && Number.isInteger(n) && n >= 0 && n < 256) reply(`\x1b]4;${n};${xrgb(paletteHex(n))}${ST}`);
    }
    return true;
  });
  p.registerOscHandler(52, (data) => data.endsWith(";?"));
  const flags: number[] = [0];
  const top = () => flags[flags.length - 1] ?? 0;
  p.registerCsiHandler({ prefix: "?", final: "u" }, () => (reply(`\x1b[?${top()}u`), true));
  p.registerCsiHandler({ prefix: ">", final: "u" }, (params) => {
    if (flags.length < 32) flags.push(Number(params[0] ?? 0) || 0);
    return true;
  });
  p.registerCsiHandler({ prefix: "<", final: "u" }, (params) => {
    const n = Math.max(1, Number(params[0] ?? 1) || 1);
    // popping past what was pushed leaves the base entry (the protocol resets to 0 then)
    if (n >= flags.length) flags[0] = 0;
    flags.splice(Math.max(1, flags.length - n));
    return true;
  });
  p.registerCsiHandler({ prefix: "=", final: "u" }, (params) => {
    const f = Number(params[0] ?? 0) || 0;
    const mode = Number(params[1] ?? 1) || 1;
    flags[flags.length - 1] = mode === 1 ? f : mode === 2 ? top() | f : top() & ~f;
    return true;
  });
  p.registerCsiHandler({ prefix: ">", final: "q" }, (params) => {
    if (Number(params[0] ?? 0) !== 0) return false;
    reply(`\x1bP>|${TERMINAL_NAME}${ST}`);
    return true;
  });
}
