import { z } from "zod";
import { defineMethod } from "../method.js";

export const configGet = defineMethod({
  name: "config.get",
  summary: "The config in force (defaults filled in), or one key of it by dotted path.",
  mutating: false,
  params: z.object({ key: z.string().optional() }).default({}),
  result: z.object({ file: z.string(), value: z.unknown() }),
});

export const configSet = defineMethod({
  name: "config.set",
  summary: "Set one key (dotted path) in the config file. The whole file is validated first; an invalid value is refused and the file is left as it was.",
  mutating: true,
  params: z.object({ key: z.string().min(1), value: z.unknown() }),
  result: z.object({ file: z.string(), value: z.unknown() }),
});

export const configCheck = defineMethod({
  name: "config.check",
  summary: "Validate the config file on disk and report every problem with its key.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({
    file: z.string(),
    ok: z.boolean(),
    problems: z.array(z.object({ key: z.string(), message: z.string() })),
  }),
});
