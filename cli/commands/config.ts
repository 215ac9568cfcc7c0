import { checkConfigFile } from "../../protocol/config/file.js";
import { SwarmError } from "../../protocol/errors.js";
import type { CommandGroup } from "../context.js";

/** `config set` values: JSON when they parse as JSON (numbers, booleans, objects), else a string. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const register: CommandGroup = (program, ctx) => {
  const config = program.command("config").description("read, change and validate the config");
  config
    .command("get [key]")
    .description("print the config in force (defaults filled in), or one dotted key")
    .action(async (key?: string) => {
      const c = ctx();
      const r = await c.call("config.get", key ? { key } : {});
      if (c.out.json) return c.out.printJson(r);
      c.out.print(typeof r.value === "object" ? JSON.stringify(r.value, null, 2) : String(r.value));
    });
  config
    .command("set <key> <value>")
    .description('set one dotted key; the value is parsed as JSON when it can be (e.g. 2048, true, "text")')
    .action(async (key: string, value: string) => {
      const c = ctx();
      const r = await c.call("config.set", { key, value: parseValue(value) });
      if (c.out.json) return c.out.printJson(r);
      c.out.print(`${key} = ${JSON.stringify(r.value)}  (${r.file})`);
    });
  config
    .command("check [file]")
    .description("validate a config file (default: the one in use) without the daemon")
    .action(async (file?: string) => {
      const c = ctx();
      const target = file ?? c.paths.configFile;
      const { problems } = checkConfigFile(target);
      if (c.out.json) c.out.printJson({ file: target, ok: problems.length === 0, problems });
      else if (problems.length === 0) c.out.print(`${c.out.ok("ok")}  ${target}`);
      else {
        c.out.print(`${c.out.fail("invalid")}  ${target}`);
        for (const p of problems) c.out.print(`  ${p.key}: ${p.message}`);
      }
      if (problems.length) throw new SwarmError("INVALID_ARGUMENT", `${problems.length} problem(s) in ${target}`);
    });
};
