import { SwarmError } from "../../protocol/errors.js";

/** The SwarmError a call fails with; fails the test when the call succeeds or throws something else. */
export async function errOf(p: Promise<unknown>): Promise<SwarmError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SwarmError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** "KIND: message" of the SwarmError a call fails with, for one-line matches. */
export async function kindOf(p: Promise<unknown>): Promise<string> {
  const e = await errOf(p);
  return `${e.kind}: ${e.message}`;
}
