import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program, ctx) => {
  program
    .command("providers")
    .description("every environment provider: available or not here, why, and the install hint")
    .action(async () => {
      const c = ctx();
      const r = await c.call("provider.list");
      if (c.out.json) return c.out.printJson(r);
      c.out.table(
        r.providers.map((p) => ({
          name: p.name + (p.name === r.default_provider ? " (default)" : ""),
          status: p.planned ? c.out.dim("planned, not yet available") : p.available ? c.out.ok("available") : c.out.fail("not available"),
          notes: [p.reason, ...p.warnings].filter(Boolean).join("; ") || p.summary,
          install: p.install_hint ?? "",
        })),
        [{ key: "name" }, { key: "status" }, { key: "notes" }, { key: "install", header: "install hint" }],
      );
    });
};
