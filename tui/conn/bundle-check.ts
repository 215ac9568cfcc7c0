import fs from "node:fs";
import { parsePublicKey } from "../../protocol/bundle/format.js";
import { verifyBundle } from "../../protocol/bundle/verify.js";
import type { Caller } from "./loaders.js";

/** Finds a ticket's result bundle and verifies it here, as `swarmctl verify` would. */
export async function checkBundle(call: Caller, ticket: string): Promise<{ ticket: string; ok: boolean; text: string }> {
  try {
    const b = await call("bundle.get", { id: ticket });
    const report = verifyBundle(fs.readFileSync(b.path), parsePublicKey(b.public_key));
    const text = report.ok ? `verified: ${report.files} file(s), signed by ${report.key_id}` : `REJECTED: ${report.problems.join("; ")}`;
    return { ticket, ok: report.ok, text: `${text} (${b.path})` };
  } catch (err) {
    return { ticket, ok: false, text: `no verified bundle: ${(err as Error).message}` };
  }
}
