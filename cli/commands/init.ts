import { SwarmError } from "../../protocol/errors.js";
import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program) => {
  program
    .command("init")
    .description("(being built)")
    .action(() => {
      throw new SwarmError("UNAVAILABLE", "init is not built yet");
    });
};
