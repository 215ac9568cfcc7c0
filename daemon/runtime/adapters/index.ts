/** The adapter table: one adapter per agent kind (R-R3). */
import { aiderAdapter } from "./aider.js";
import { claudeAdapter } from "./claude.js";
import { codexAdapter } from "./codex.js";
import { createCustomAdapter, customAdapter, type CustomDetectorConfig } from "./custom.js";
import { geminiAdapter } from "./gemini.js";
import { scriptedAdapter } from "./scripted.js";
import { shellAdapter } from "./shell.js";
import { SwarmError } from "../../../protocol/errors.js";
import { AGENT_KINDS, type AgentAdapter, type AgentKind } from "./types.js";

export const ADAPTERS: Record<AgentKind, AgentAdapter> = {
  shell: shellAdapter,
  claude: claudeAdapter,
  codex: codexAdapter,
  aider: aiderAdapter,
  gemini: geminiAdapter,
  scripted: scriptedAdapter,
  custom: customAdapter,
};

/** The adapter for a kind; `custom` with a pattern config gets its own detector. */
export function adapterFor(kind: AgentKind | string, custom?: CustomDetectorConfig): AgentAdapter {
  if (!(AGENT_KINDS as string[]).includes(kind)) {
    throw new SwarmError("INVALID_ARGUMENT", `unknown agent kind ${JSON.stringify(kind)}`, { hint: `use one of ${AGENT_KINDS.join(", ")}` });
  }
  if (kind === "custom" && custom) return createCustomAdapter(custom);
  return ADAPTERS[kind as AgentKind];
}

/** Alias the runtime's detector loader looks for. */
export const getAdapter = (kind: AgentKind): AgentAdapter | undefined => ADAPTERS[kind];

export { createCustomAdapter };
export type { CustomDetectorConfig };
