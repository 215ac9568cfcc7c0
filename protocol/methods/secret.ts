import { z } from "zod";
import { defineMethod } from "../method.js";

/** Secret and variable names are environment variable names. */
export const VAR_NAME_RULE = "variable names use letters, digits and '_', do not start with a digit, and are at most 128 characters";
export const VarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, VAR_NAME_RULE);

const Scope = {
  project: z.string().min(1).max(200).optional().describe("per-project scope; omitted = global (every environment)"),
};

export const secretSet = defineMethod({
  name: "secret.set",
  summary:
    "Set an env var forwarded into every exec/shell/PTY of the scope. Secrets (the default) are encrypted at rest with AES-256-GCM and never returned; `plain` ones are stored and listed as they are.",
  mutating: true,
  params: z.object({ name: VarName, value: z.string().max(64 * 1024), plain: z.boolean().default(false), ...Scope }),
  result: z.object({ name: z.string(), project: z.string().nullable(), plain: z.boolean(), created: z.boolean() }),
});

export const SecretEntry = z.object({
  name: z.string(),
  project: z.string().nullable(),
  plain: z.boolean(),
  value: z.string().nullable().describe("the value of a plain variable; always null for a secret"),
  updated_at: z.string(),
});

export const secretList = defineMethod({
  name: "secret.list",
  summary: "Variables and secrets by scope. Never returns a secret's value.",
  mutating: false,
  params: z.object({ ...Scope }).default({}),
  result: z.object({ key_source: z.enum(["keyring", "file"]), entries: z.array(SecretEntry) }),
});

export const secretRm = defineMethod({
  name: "secret.rm",
  summary: "Remove a variable or secret from a scope.",
  mutating: true,
  params: z.object({ name: VarName, ...Scope }),
  result: z.object({ removed: z.literal(true) }),
});
