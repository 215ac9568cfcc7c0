/** The parts of Ink's key object the TUI reads (a structural subset, so tests can build one). */
export interface InkKey {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageDown: boolean;
  pageUp: boolean;
  home?: boolean;
  end?: boolean;
  return: boolean;
  escape: boolean;
  ctrl: boolean;
  shift: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  meta?: boolean;
}

/**
 * One name per key press, the names the keymap is written in: `up`, `enter`, `escape`,
 * `tab`, `shift-tab`, `pageup`, `backspace`, `ctrl-x`, or the character itself (`q`, `?`, `K`).
 */
export function keyName(input: string, key: InkKey): string {
  if (key.upArrow) return "up";
  if (key.downArrow) return "down";
  if (key.leftArrow) return "left";
  if (key.rightArrow) return "right";
  if (key.pageUp) return "pageup";
  if (key.pageDown) return "pagedown";
  if (key.home) return "home";
  if (key.end) return "end";
  if (key.return) return "enter";
  if (key.escape) return "escape";
  if (key.tab) return key.shift ? "shift-tab" : "tab";
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
  if (key.backspace || key.delete) return "backspace";
  if (key.ctrl && input.length === 1) return `ctrl-${input.toLowerCase()}`;
  if (input === " ") return "space";
  return input;
}

/** A key that types text into a prompt (a printable character or a paste). */
export function isText(name: string, input: string, key: InkKey): boolean {
  return !key.ctrl && !key.meta && input.length > 0 && (name === input || name === "space") && !/[\x00-\x1f\x7f]/.test(input);
}

const PLAIN_KEYS: Record<string, string> = { "\r": "enter", "\n": "enter", "\x7f": "backspace", "\b": "backspace", "\t": "tab", "\x1b": "escape" };

/**
 * Keys that arrived together in one read (typed fast, or sent by tmux send-keys) reach us
 * as one string; split them back into presses. Escape sequences stay whole (Ink parsed them).
 */
export function splitPresses(input: string, key: InkKey): { name: string; text: string; key: InkKey }[] {
  const chars = [...input];
  if (chars.length <= 1 || input.includes("\x1b[") || key.ctrl || key.meta) return [{ name: keyName(input, key), text: input, key }];
  const none = { ...key, return: false, backspace: false, delete: false, tab: false, escape: false };
  return chars.map((ch) => {
    const special = PLAIN_KEYS[ch];
    if (special) return { name: special, text: "", key: none };
    const code = ch.charCodeAt(0);
    if (code < 0x20) return { name: `ctrl-${String.fromCharCode(code + 96)}`, text: "", key: { ...none, ctrl: true } };
    return { name: ch === " " ? "space" : ch, text: ch, key: none };
  });
}
