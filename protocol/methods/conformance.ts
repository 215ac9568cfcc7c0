import { z } from "zod";
import { defineMethod } from "../method.js";

/**
 * Methods that exist only so the JSON-RPC 2.0 specification's own examples can be run
 * against the real daemon. Registered only when SWARM_TEST_METHODS=1; not documented.
 */
const Pair = z.union([z.tuple([z.number(), z.number()]), z.object({ minuend: z.number(), subtrahend: z.number() })]);

export const CONFORMANCE_METHODS = [
  defineMethod({ name: "test.subtract", summary: "spec example", mutating: false, params: Pair, result: z.number() }),
  defineMethod({ name: "test.sum", summary: "spec example", mutating: false, params: z.array(z.number()), result: z.number() }),
  defineMethod({ name: "test.update", summary: "spec example", mutating: false, params: z.array(z.unknown()), result: z.null() }),
  defineMethod({ name: "test.notify_hello", summary: "spec example", mutating: false, params: z.array(z.unknown()), result: z.null() }),
  defineMethod({ name: "test.notify_sum", summary: "spec example", mutating: false, params: z.array(z.number()), result: z.null() }),
  defineMethod({ name: "test.get_data", summary: "spec example", mutating: false, params: z.unknown(), result: z.array(z.unknown()) }),
  defineMethod({
    name: "test.sleep",
    summary: "waits ms then answers; used to test disconnect mid-request",
    mutating: false,
    params: z.object({ ms: z.number().int().min(0).max(60000) }),
    result: z.object({ slept: z.number() }),
  }),
];
