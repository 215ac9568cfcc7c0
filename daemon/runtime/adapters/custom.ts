/**
 * Any other command. Without configuration it judges by a yes/no question at the cursor
 * and by output activity. With a pattern config (rules as data, e.g. from a runtime's
 * settings) it fires the first matching regex, tested on the cursor line or on the last
 * rows up to the cursor (a runtime's `detector` rules).
 */
import { SwarmError } from "../../../protocol/errors.js";
import { afterPrompt } from "./input-parts.js";
import { ACTIVE_OUTPUT_MS, BLANK_STARTING_RULE, EXITED_RULE, STARTING_RULE, YES_NO_RE, cursorLine, runRules, tail, type Rule } from "./rules.js";
import type { AgentAdapter, AgentState, ScreenView } from "./types.js";

export interface CustomRuleSpec {
  state: Exclude<AgentState, "exited" | "starting">;
  /** a regex (string form is compiled with the "m" flag) */
  pattern: string | RegExp;
  /** what the pattern is tested on; default "tail" */
  on?: "cursor_line" | "tail";
  /** rule name for `why`; defaults to the pattern */
  name?: string;
}

export interface CustomDetectorConfig {
  /** label used in `why` (default "custom") */
  label?: string;
  rules: CustomRuleSpec[];
  /** how many non-empty rows up to the cursor "tail" covers (default 6) */
  tailLines?: number;
  /** a regex for the program's prompt: the text after it on the cursor's rows is its input line (drafts are refused) */
  prompt?: string;
  /** a regex for the program's own "queued" note, shown when a message sent while it works was queued */
  queued?: string;
  /** keys that answer its yes/no questions (default "y\r" and "n\r") */
  answers?: { yes: string; no: string };
}

const STATES = ["working", "idle", "waiting_input", "asking_approval"] as const;

function regex(source: string, what: string): RegExp {
  try {
    return new RegExp(source, "m");
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `custom detector ${what}: ${JSON.stringify(source)} is not a valid regex: ${(err as Error).message}`, {
      hint: "write it as a JavaScript regular expression source",
    });
  }
}

function compile(spec: CustomRuleSpec, i: number, tailLines: number): Rule {
  if (!(STATES as readonly string[]).includes(spec.state)) {
    throw new SwarmError("INVALID_ARGUMENT", `custom detector rule ${i}: unknown state ${JSON.stringify(spec.state)}`, {
      hint: `use one of ${STATES.join(", ")}`,
    });
  }
  let re: RegExp;
  try {
    re = typeof spec.pattern === "string" ? new RegExp(spec.pattern, "m") : spec.pattern;
  } catch (err) {
    throw new SwarmError(
      "INVALID_ARGUMENT",
      `custom detector rule ${i}: pattern ${JSON.stringify(spec.pattern)} is not a valid regex: ${(err as Error).message}`,
      {
        hint: 'write the pattern as a JavaScript regular expression source, e.g. "^Allow\\\\? \\\\(y/n\\\\)$"',
      },
    );
  }
  const on = spec.on ?? "tail";
  return {
    name: spec.name ?? `${on === "cursor_line" ? "cursor line" : "screen"} matches /${re.source}/`,
    state: spec.state,
    test: (s) => re.test(on === "cursor_line" ? cursorLine(s) : tail(s, tailLines)),
  };
}

/** Generic rules for an unknown program: a question waiting at the cursor, then activity. */
export const GENERIC_RULES: Rule[] = [
  EXITED_RULE,
  BLANK_STARTING_RULE,
  {
    name: "quiet with a yes/no question at the cursor",
    state: "asking_approval",
    test: (s, c) => c.msSinceOutput >= ACTIVE_OUTPUT_MS && YES_NO_RE.test(cursorLine(s).slice(0, s.cursor.x)),
  },
  {
    name: "quiet with another question at the cursor (it reads an answer)",
    state: "waiting_input",
    test: (s, c) => c.msSinceOutput >= ACTIVE_OUTPUT_MS && /\?\s*$/.test(cursorLine(s).slice(0, s.cursor.x)),
  },
];

export function createCustomAdapter(config?: CustomDetectorConfig): AgentAdapter {
  const label = config?.label ?? "custom";
  // with rules of its own, a program is starting until one of them recognises its screen
  const rules = config ? [EXITED_RULE, ...config.rules.map((r, i) => compile(r, i, config.tailLines ?? 6)), STARTING_RULE] : GENERIC_RULES;
  const prompt = config?.prompt ? regex(config.prompt, "prompt") : null;
  const queued = config?.queued ? regex(config.queued, "queued") : null;
  return {
    ...(prompt ? { inputLine: (screen: ScreenView) => afterPrompt(screen, prompt) } : {}),
    ...(queued ? { queuedMarker: queued } : {}),
    ...(config?.answers ? { answers: config.answers } : {}),
    kind: "custom",
    pinsSessionId: false,
    startCommand: ({ args }) => {
      if (!args || args.length === 0) {
        throw new SwarmError("INVALID_ARGUMENT", "a custom runtime needs a command", {
          hint: "pass the command after --, e.g. swarmctl runtime start NAME -- ./my-agent",
        });
      }
      return [...args];
    },
    resumeCommand: () => null,
    detect: (screen, ctx) => runRules(label, rules, screen, ctx),
  };
}

export const customAdapter = createCustomAdapter();
