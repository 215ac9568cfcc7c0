import { SwarmError } from "../../protocol/errors.js";
import type { CommandGroup } from "../context.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export const register: CommandGroup = (program, ctx) => {
  const secret = program.command("secret").description("env vars and secrets forwarded into every environment (global or per project)");

  secret
    .command("set")
    .description("set a secret (encrypted at rest, never printed) or, with --plain, a plain variable")
    .argument("<name>", "variable name, e.g. OPENAI_API_KEY")
    .argument("[value]", "the value; prefer --stdin so it stays out of shell history")
    .option("--stdin", "read the value from stdin (one trailing newline dropped)")
    .option("--project <p>", "only environments of this project (default: global)")
    .option("--plain", "a plain variable: stored as is and shown by list")
    .action(async (name: string, value: string | undefined, o: { stdin?: boolean; project?: string; plain?: boolean }) => {
      const c = ctx();
      if (value !== undefined && o.stdin) throw new SwarmError("INVALID_ARGUMENT", "give VALUE or --stdin, not both");
      if (value === undefined && !o.stdin) throw new SwarmError("INVALID_ARGUMENT", "missing value: give VALUE or --stdin");
      const v = value ?? (await readStdin());
      const r = await c.call("secret.set", {
        name,
        value: v,
        plain: o.plain === true,
        ...(o.project ? { project: o.project } : {}),
      });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`${r.created ? "set" : "updated"} ${o.plain ? "variable" : "secret"} ${name}${o.project ? ` for project ${o.project}` : " (global)"}`);
    });

  secret
    .command("list")
    .description("variables and secrets by scope; secret values are never shown")
    .option("--project <p>", "this project's entries and the global ones")
    .action(async (o: { project?: string }) => {
      const c = ctx();
      const r = await c.call("secret.list", o.project ? { project: o.project } : {});
      if (c.out.json) return c.out.printJson(r);
      c.out.table(
        r.entries.map((e) => ({ ...e, scope: e.project ?? "(global)", kind: e.plain ? "plain" : "secret", value: e.plain ? e.value : "********" })),
        [{ key: "name" }, { key: "scope" }, { key: "kind" }, { key: "value" }, { key: "updated_at", header: "updated" }],
      );
      c.out.print(c.out.dim(`secrets key: ${r.key_source === "keyring" ? "OS keyring" : "0600 key file"}`));
    });

  secret
    .command("rm")
    .description("remove a variable or secret")
    .argument("<name>")
    .option("--project <p>", "from this project's scope (default: global)")
    .action(async (name: string, o: { project?: string }) => {
      const c = ctx();
      const r = await c.call("secret.rm", { name, ...(o.project ? { project: o.project } : {}) });
      if (c.out.json) c.out.printJson(r);
      else c.out.print(`removed ${name}`);
    });
};
