import { z } from "zod";

/**
 * Rule for names of environments, runtimes and the like; the message states it. A name
 * becomes a git branch (`swarm/<name>`), so what git refuses in a ref (`..`, a trailing
 * `.`, a `.lock` ending) is refused here, up front, with the same message everywhere.
 */
export const NAME_RULE =
  "names use letters, digits, '-', '_' and '.', do not start or end with '.', contain no '..', do not end in '.lock', and are at most 63 characters";
const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$/;

function validName(name: string): boolean {
  return NAME_RE.test(name) && !name.endsWith(".") && !name.includes("..") && !name.toLowerCase().endsWith(".lock");
}

export function checkName(name: string): string | null {
  return validName(name) ? null : `invalid name ${JSON.stringify(name)}: ${NAME_RULE}`;
}

export const Name = z.string().refine(validName, { message: NAME_RULE });

/**
 * Branches of the coordinator's tickets (R-T8: one branch per ticket). The worktree trash
 * leaves them under their own name on delete: the ticket's commits stay where it looks.
 */
export const TICKET_BRANCH_PREFIX = "swarm/ticket-";
