/** The keymap as data: `?` shows it; handlers look keys up here rather than hard-coding them. */
export interface KeyBinding {
  key: string;
  action: "quit" | "help";
  description: string;
}

export const KEYMAP: KeyBinding[] = [
  { key: "q", action: "quit", description: "quit the TUI (agents keep running in the daemon)" },
  { key: "?", action: "help", description: "show or hide this help" },
];

export function actionFor(input: string): KeyBinding["action"] | null {
  return KEYMAP.find((k) => k.key === input)?.action ?? null;
}
