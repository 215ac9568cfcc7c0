import { z } from "zod";
import { defineMethod } from "../method.js";

export const ProviderEntry = z.object({
  name: z.string(),
  summary: z.string(),
  available: z.boolean(),
  planned: z.boolean().describe("true for providers that are documented but not built yet"),
  reason: z.string().nullable().describe("why it is not available"),
  install_hint: z.string().nullable().describe("the exact command that makes it available"),
  warnings: z.array(z.string()),
  features: z.record(z.string(), z.unknown()).nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type ProviderEntry = z.infer<typeof ProviderEntry>;

export const providerList = defineMethod({
  name: "provider.list",
  summary: "Every environment provider: available or not on this host, why, the install hint, warnings; planned ones too.",
  mutating: false,
  params: z.object({}).default({}),
  result: z.object({ default_provider: z.string(), providers: z.array(ProviderEntry) }),
});
