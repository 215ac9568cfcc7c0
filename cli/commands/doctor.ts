import { SwarmError } from "../../protocol/errors.js";
import type { CommandGroup } from "../context.js";

export const register: CommandGroup = (program) => {
  program
    .command("doctor")
    .description("(being built)")
    .action(() => {
      throw new SwarmError("UNAVAILABLE", "doctor is not built yet");
    });
};
