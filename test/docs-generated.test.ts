import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigDoc, renderProtocolDoc } from "../scripts/docs-render.js";
import { ERROR_KINDS } from "../protocol/errors.js";
import { SWARM_VERSION } from "../protocol/version.js";

const root = path.resolve(import.meta.dirname, "..");

describe("generated docs are current", () => {
  it("docs/protocol.md matches protocol/ (run `npm run docs` to refresh)", () => {
    expect(fs.readFileSync(path.join(root, "docs/protocol.md"), "utf8")).toBe(renderProtocolDoc());
  });
  it("docs/config.md matches the config schema (run `npm run docs` to refresh)", () => {
    expect(fs.readFileSync(path.join(root, "docs/config.md"), "utf8")).toBe(renderConfigDoc());
  });
  it("error kinds map one-to-one to JSON-RPC codes and exit codes", () => {
    const kinds = Object.values(ERROR_KINDS);
    expect(new Set(kinds.map((k) => k.rpcCode)).size).toBe(kinds.length);
    expect(new Set(kinds.map((k) => k.exitCode)).size).toBe(kinds.length);
    for (const k of kinds) expect(k.exitCode).toBeGreaterThan(1);
  });
  it("protocol/version.ts SWARM_VERSION matches package.json", () => {
    expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version).toBe(SWARM_VERSION);
  });
});
