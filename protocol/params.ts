import type { z } from "zod";
import { SwarmError } from "./errors.js";

/**
 * The one wording of a schema refusal: the daemon uses it at its edge, and the CLI when it
 * checks flags against the same schema before sending, so both say the same thing.
 */
export function invalidParams(method: string, err: z.ZodError): SwarmError {
  const issues = err.issues.map((i) => ({ path: i.path.map(String).join(".") || "(params)", message: i.message }));
  return new SwarmError("INVALID_ARGUMENT", `${method}: invalid params: ` + issues.map((i) => `${i.path}: ${i.message}`).join("; "), { details: { issues } });
}

/** Parses `params` with `schema` or throws the same INVALID_ARGUMENT the daemon would. */
export function checkParams<S extends z.ZodType>(method: string, schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params);
  if (!r.success) throw invalidParams(method, r.error);
  return r.data;
}
