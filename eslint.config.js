import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * Layering (docs/architecture.md "Layers"): which top-level folder may import which.
 * ESLint core `no-restricted-imports` matches the specifier as written, so each rule is
 * generated per folder depth: from a file N folders deep in its layer, a relative specifier
 * leaves the layer exactly when it starts with N+1 `../`, and the segment after those names
 * the layer it lands in. One block per (layer, depth), because a later block's options for
 * a rule replace an earlier block's rather than adding to them.
 */
const LAYER_DEPTHS = 6;
const up = (n) => `^(\\.\\./){${n}}`;
/** What outside providers/ may import from it: the contract, the registry, and the public entry. */
const PROVIDERS_PUBLIC = "(types|registry|index)\\.js$";
const LAYERS = {
  daemon: { others: ["cli", "tui", "client"], providersPublicOnly: true },
  cli: { others: ["daemon", "tui"], providersPublicOnly: true },
  tui: { others: ["daemon", "cli"], providersPublicOnly: true },
  providers: { others: ["daemon", "cli", "tui", "client"], providersPublicOnly: false },
  // protocol/ and client/ name what they MAY import instead
  protocol: { only: [] },
  client: { only: ["protocol"] },
  // agents/ are programs swarm ships to run inside runtimes (the scripted agent): they reach the daemon as any client does
  agents: { only: ["protocol", "client"] },
};
function layerPatterns(layer, rule, depth) {
  const out = up(depth + 1);
  const patterns = [];
  if (rule.only) {
    const allowed = rule.only.length ? `(?!(${rule.only.join("|")})/)` : "";
    const may = rule.only.length ? `only ${rule.only.map((l) => l + "/").join(", ")}` : "nothing of ours (it is what every side shares)";
    patterns.push({ regex: `${out}${allowed}`, message: `${layer}/ imports ${may}; see docs/architecture.md "Layers".` });
  }
  for (const other of rule.others ?? []) {
    patterns.push({
      regex: `${out}${other}/`,
      message: `${layer}/ must not import ${other}/: they meet in protocol/ (and client/); see docs/architecture.md "Layers".`,
    });
  }
  if (rule.providersPublicOnly) {
    patterns.push({
      regex: `${out}providers/(?!${PROVIDERS_PUBLIC})`,
      message: `outside providers/, import only providers/types.js, providers/registry.js or providers/index.js; a provider's parts (vm/, common/, …) are its own. Optional capabilities are interfaces in providers/types.ts.`,
    });
  }
  return patterns;
}
const layering = Object.entries(LAYERS).flatMap(([layer, rule]) =>
  Array.from({ length: LAYER_DEPTHS }, (_, depth) => ({
    files: [`${layer}/${"*/".repeat(depth)}*.ts`, `${layer}/${"*/".repeat(depth)}*.tsx`],
    rules: { "no-restricted-imports": ["error", { patterns: layerPatterns(layer, rule, depth) }] },
  })),
);

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "test/fixtures/**/*.js", "test/fixtures/**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        URL: "readonly",
        performance: "readonly",
        structuredClone: "readonly",
        NodeJS: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-empty": ["error", { allowEmptyCatch: true }],
      "no-constant-condition": ["error", { checkLoops: false }],
      "no-control-regex": "off",
    },
  },
  {
    // The daemon and the TUI never write to the console: they log through the logger passed in.
    files: ["daemon/**/*.ts", "tui/**/*.ts", "tui/**/*.tsx", "providers/**/*.ts", "agents/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    // Small modules and functions (issue 9): a file over 400 lines or a function over 80 is split.
    // Declarative tables (method lists, schemas, migrations) opt out with an eslint-disable comment saying so.
    files: [
      "protocol/**/*.ts",
      "daemon/**/*.ts",
      "cli/**/*.ts",
      "client/**/*.ts",
      "tui/**/*.ts",
      "tui/**/*.tsx",
      "providers/**/*.ts",
      "agents/**/*.ts",
      "bench/**/*.ts",
      "scripts/**/*.ts",
    ],
    rules: {
      "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  // bench/ and test/ are white-box harnesses of the layers (they time and test a provider's parts) and are not restricted.
  ...layering,
  {
    files: ["bin/**/*.js", "test/fixtures/**"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
