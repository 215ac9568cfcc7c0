/**
 * The public entry of providers/ for the rest of swarm: the contract (types.ts), the
 * registry, and the few pure helpers other layers share with the providers. Anything else
 * under providers/ (vm/, sandbox/, common/ …) is a provider's own; the lint rule in
 * eslint.config.js keeps it so.
 */
export * from "./types.js";
export { createProviders, DEFAULT_PROVIDER, PLANNED_PROVIDERS, PROVIDER_NAMES, type PlannedProvider, type ProviderContextFor } from "./registry.js";
/** The daemon checks copy paths against an environment's checkout with the same rule the providers use. */
export { resolveInside, isInside } from "./common/safe-path.js";
