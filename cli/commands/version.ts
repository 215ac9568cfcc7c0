import type { CommandGroup } from "../context.js";
import { PROTOCOL_VERSION_STRING, SWARM_VERSION } from "../../protocol/version.js";

export const register: CommandGroup = (program, ctx) => {
  program
    .command("version")
    .description("print versions of swarmctl, the protocol and the running daemon (if any)")
    .action(async () => {
      const c = ctx();
      let daemon: { version: string; protocol_version: string } | null = null;
      try {
        const client = await c.probe();
        try {
          const st = await client.call("daemon.status");
          daemon = { version: st.version, protocol_version: st.protocol_version };
        } finally {
          client.close();
        }
      } catch {
        daemon = null;
      }
      const info = { swarmctl: SWARM_VERSION, protocol_version: PROTOCOL_VERSION_STRING, node: process.version, daemon };
      if (c.out.json) return c.out.printJson(info);
      c.out.print(`swarmctl ${SWARM_VERSION} (protocol ${PROTOCOL_VERSION_STRING}, node ${process.version})`);
      c.out.print(daemon ? `swarmd   ${daemon.version} (protocol ${daemon.protocol_version})` : "swarmd   not running");
    });
};
