import { SwarmError } from "../../protocol/errors.js";
import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program) => {
  program
    .command("service")
    .description("(being built)")
    .action(() => {
      throw new SwarmError("UNAVAILABLE", "service is not built yet");
    });
};
