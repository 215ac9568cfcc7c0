import { SwarmError } from "./errors.js";

/**
 * Size limits both sides check: the daemon when it stores, the client before it sends (it
 * learns the daemon's limits from `daemon.hello`). One wording for both.
 */
export function ticketBodyTooBig(size: number, max: number): SwarmError {
  return new SwarmError("INVALID_ARGUMENT", `ticket body is ${size} bytes; the limit is ${max} (tickets.max_body_bytes)`, {
    hint: "put large material in a file the ticket refers to, or raise tickets.max_body_bytes",
    details: { size, limit: max },
  });
}
