import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program, ctx) => {
  program
    .command("metrics")
    .description("print the daemon's metrics in Prometheus text format (--json: as JSON); metrics.listen serves them over HTTP on loopback")
    .action(async () => {
      const c = ctx();
      const r = await c.call("metrics.get");
      if (c.out.json) return c.out.printJson({ endpoint: r.endpoint, metrics: r.metrics });
      process.stdout.write(r.text);
    });
};
