import { checkConfigFile } from "../../protocol/config/file.js";
import { SwarmError } from "../../protocol/errors.js";
import * as m from "../../protocol/methods/config.js";
import { getPath } from "../config/config-store.js";
import type { DaemonContext } from "../context.js";
import { handle, type HandlerEntry } from "../rpc/handler.js";

export function configHandlers(ctx: DaemonContext): HandlerEntry[] {
  return [
    handle(m.configGet, (p) => {
      const cfg = ctx.cfg();
      if (!p.key) return { file: ctx.config.file, value: cfg };
      const value = getPath(cfg, p.key);
      if (value === undefined) {
        throw new SwarmError("NOT_FOUND", `no config key ${JSON.stringify(p.key)}`, {
          hint: "`swarmctl config get` lists the keys; docs/config.md describes them",
        });
      }
      return { file: ctx.config.file, value };
    }),
    handle(m.configSet, (p, call) => {
      const cfg = ctx.config.set(p.key, p.value);
      call.logger.info("config set", { key: p.key, client: call.connection.client });
      return { file: ctx.config.file, value: getPath(cfg, p.key) };
    }),
    handle(m.configCheck, () => {
      const { problems } = checkConfigFile(ctx.config.file);
      return { file: ctx.config.file, ok: problems.length === 0, problems };
    }),
  ];
}
