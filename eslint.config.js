import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    files: ["daemon/**/*.ts", "tui/**/*.ts", "tui/**/*.tsx", "providers/**/*.ts"],
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
      "bench/**/*.ts",
      "scripts/**/*.ts",
    ],
    rules: {
      "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    files: ["bin/**/*.js", "test/fixtures/**"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
