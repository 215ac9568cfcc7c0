/**
 * Any other command. Without configuration it judges by a yes/no question at the cursor
 * and by output activity. With a pattern config (rules as data, e.g. from a runtime's
 * settings) it fires the first matching regex, tested on the cursor line or on the last
 * rows up to the cursor (a runtime's `detector` rules).
 */
import { SwarmError } from "../../../protocol/errors.js";
import { ACTIVE_OUTPUT_MS, EXITED_RULE, YES_NO_RE, cursorLine, runRules, tail, type Rule } from "./rules.js";
import type { AgentAdapter, AgentState } from "./types.js";

export interface CustomRuleSpec {
  state: Exclude<AgentState, "exited">;
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
}

const STATES = ["working", "idle", "waiting_input", "asking_approval"] as const;

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
  {
    name: "quiet with a yes/no question at the cursor",
    state: "asking_approval",
    test: (s, c) => c.msSinceOutput >= ACTIVE_OUTPUT_MS && YES_NO_RE.test(cursorLine(s).slice(0, s.cursor.x)),
  },
];

export function createCustomAdapter(config?: CustomDetectorConfig): AgentAdapter {
  const label = config?.label ?? "custom";
  const rules = config ? [EXITED_RULE, ...config.rules.map((r, i) => compile(r, i, config.tailLines ?? 6))] : GENERIC_RULES;
  return {
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
