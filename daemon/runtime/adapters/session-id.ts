import { SwarmError } from "../../../protocol/errors.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A session id as the agents print it, anywhere in a line. */
export const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Agents that key sessions by UUID reject anything else; fail here with a clear message instead. */
export function requireUuid(agent: string, sessionId: string): string {
  if (!UUID_RE.test(sessionId)) {
    throw new SwarmError("INVALID_ARGUMENT", `${agent} session id must be a UUID, got ${JSON.stringify(sessionId)}`, {
      hint: `pass the id ${agent} printed (e.g. 3f9f74a6-6b7c-4a3e-9e1d-2f1f0a9b8c7d), not a name or "last"`,
      details: { agent, sessionId },
    });
  }
  return sessionId;
}

/** Session ids that are not UUIDs still must not be empty or look like a flag. */
export function requirePlainId(agent: string, sessionId: string): string {
  if (sessionId.trim() === "" || sessionId.startsWith("-") || /[\s/\\]/.test(sessionId)) {
    throw new SwarmError("INVALID_ARGUMENT", `${agent} session id ${JSON.stringify(sessionId)} is empty, starts with "-" or contains spaces or slashes`, {
      hint: "use a simple id such as the runtime name or a UUID",
      details: { agent, sessionId },
    });
  }
  return sessionId;
}

/** The first `<command> <uuid>` on screen, e.g. the "claude --resume <id>" line printed at exit. */
export function findAfter(lines: readonly string[], marker: RegExp): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    const m = marker.exec(line);
    if (!m) continue;
    const id = UUID_IN_TEXT.exec(line.slice(m.index + m[0].length));
    if (id) return id[0];
  }
  return null;
}

/** Headless resumes run one prompt and exit; without a prompt there is nothing to run. */
export function requirePrompt(agent: string, prompt: string | undefined): string {
  if (!prompt || prompt.trim() === "") {
    throw new SwarmError("INVALID_ARGUMENT", `a headless ${agent} resume needs a prompt`, {
      hint: "pass the prompt to run, or resume interactively (headless: false)",
      details: { agent },
    });
  }
  return prompt;
}
