import { z } from "zod";

/** Rule for names of environments, runtimes and the like; the message states it. */
export const NAME_RULE =
  "names use letters, digits, '-', '_' and '.', do not start with '.', and are at most 63 characters";
const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$/;

export function checkName(name: string): string | null {
  return NAME_RE.test(name) ? null : `invalid name ${JSON.stringify(name)}: ${NAME_RULE}`;
}

export const Name = z.string().refine((s) => NAME_RE.test(s), { message: NAME_RULE });
