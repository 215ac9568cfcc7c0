/**
 * What an agent's input line holds right now, read from the rendered screen (the daemon's
 * terminal model, cells with their attributes), per agent kind: Claude Code's prompt box,
 * Codex's composer, Gemini's input box, a custom program's prompt. Used before a delivery
 * (never type into someone's draft), to confirm one (the text arrived, then left the line),
 * and by whoever must not interrupt a person typing (wake).
 */
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import type { AgentAdapter, AgentKind, InputLine, ScreenView } from "./adapters/types.js";
import type { CustomDetector } from "../../protocol/methods/runtime.js";

export type { InputLine };

/** The adapter of a runtime (custom rules compiled); one that cannot be built counts as a plain custom program. */
export function adapterOfRuntime(kind: AgentKind, custom: CustomDetector | null): AgentAdapter {
  try {
    return custom && kind === "custom" ? adapterFor(kind, custom) : (ADAPTERS[kind] ?? ADAPTERS.custom);
  } catch {
    return ADAPTERS.custom;
  }
}

/**
 * The input line on this screen, or null when the agent shows none or swarm cannot read
 * this agent's (a shell, a custom program without a `prompt` rule). Pass a styled view
 * (TerminalModel.styledView) so a faint suggestion is told from typed text.
 */
export function inputLineOf(adapter: AgentAdapter, screen: ScreenView): InputLine | null {
  if (!adapter.inputLine) return null;
  try {
    return adapter.inputLine(screen);
  } catch {
    return null;
  }
}

/** Text in the input line that someone typed (not empty, not only a faint suggestion or placeholder). */
export function isDraft(line: InputLine | null): line is InputLine {
  return line !== null && line.text.trim() !== "" && !line.faint;
}

const norm = (s: string) => s.replace(/[\s\u00a0]+/g, " ").trim();

/**
 * Whether `needle` sits in the input line: compared with runs of white space made one
 * space, so a line wrapped over rows or spaces drawn as cursor moves (Codex) still match.
 * `pasted` recognises the agent's stand-in for a long paste ("[Pasted text #1 +12 lines]").
 */
export function lineHolds(line: InputLine | null, needle: string): boolean {
  if (!line) return false;
  const hay = norm(line.text);
  const n = norm(needle);
  if (n !== "" && (hay.includes(n) || hay.replace(/ /g, "").includes(n.replace(/ /g, "")))) return true;
  return /\[Pasted (text|Content)[^\]]*\]/i.test(line.text);
}
