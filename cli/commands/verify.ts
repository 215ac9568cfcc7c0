import fs from "node:fs";
import type { Command } from "commander";
import { ERROR_KINDS, SwarmError } from "../../protocol/errors.js";
import { parsePublicKey } from "../../protocol/bundle/format.js";
import { extractBundle } from "../../protocol/bundle/extract.js";
import { verifyBundle } from "../../protocol/bundle/verify.js";
import type { CommandGroup } from "../context.js";

/** Where the daemon keeps its public key; verify needs no running daemon. */
function defaultKeyFile(home: string): string {
  return `${home}/keys/ed25519.pub`;
}

function readKey(keyArg: string | undefined, home: string) {
  const file = keyArg ?? defaultKeyFile(home);
  let text: string;
  if (keyArg && !fs.existsSync(keyArg))
    text = keyArg; // a base64 key given inline
  else if (!fs.existsSync(file)) {
    throw new SwarmError("NOT_FOUND", `no public key at ${file}`, {
      hint: "pass the signer's key with --key FILE (PEM) or --key BASE64, or run on the host whose daemon built the bundle",
    });
  } else text = fs.readFileSync(file, "utf8");
  try {
    return parsePublicKey(text);
  } catch (err) {
    throw new SwarmError("INVALID_ARGUMENT", `--key: ${(err as Error).message}`, { hint: "give a PEM public key file or a base64 raw Ed25519 key" });
  }
}

export const register: CommandGroup = (program: Command, ctx) => {
  program
    .command("verify")
    .description("check a result bundle: structure, manifest hashes, certificate signature and critical fields (exit 2 when it fails)")
    .argument("<bundle>", "path to a .tar result bundle")
    .option("--key <pubkey>", "signer's public key: a PEM file or a base64 raw key (default: this host's daemon key)")
    .option("--extract <dir>", "after a successful verification, write the result files under DIR")
    .action((bundle: string, o: { key?: string; extract?: string }) => {
      const c = ctx();
      if (!fs.existsSync(bundle)) throw new SwarmError("NOT_FOUND", `no bundle at ${bundle}`);
      const key = readKey(o.key, c.paths.home);
      const report = verifyBundle(fs.readFileSync(bundle), key);
      let extracted: string[] | undefined;
      if (report.ok && o.extract) extracted = extractBundle(fs.readFileSync(bundle), o.extract);
      if (!report.ok) c.exitCode = ERROR_KINDS.INVALID_ARGUMENT.exitCode;
      if (c.out.json) {
        const { certificate, ...rest } = report;
        return c.out.printJson({ bundle, ...rest, certificate, ...(extracted ? { extracted } : {}) });
      }
      if (report.ok) {
        c.out.print(`${c.out.ok("verified")}  ${bundle}: ticket ${report.ticket_id}, ${report.files} file(s), signed by ${report.key_id}`);
        const cert = report.certificate;
        if (cert)
          c.out.print(`checks passed: ${cert.checks_passed.join(", ") || "(none)"}; agent ${cert.agent ?? "-"}, environment ${cert.environment ?? "-"}`);
      } else {
        c.out.print(`${c.out.fail("REJECTED")}  ${bundle}`);
        for (const p of report.problems) c.out.print(`  - ${p}`);
      }
      for (const w of report.warnings) c.out.print(c.out.warn(`  warning: ${w}`));
      if (extracted) c.out.print(`extracted ${extracted.length} file(s) to ${o.extract}`);
    });
};
