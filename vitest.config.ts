import { defineConfig } from "vitest/config";
import { deadlineMs } from "./test/helpers/deadline.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "protocol/**/*.test.ts", "daemon/**/*.test.ts", "cli/**/*.test.ts", "tui/**/*.test.ts", "providers/**/*.test.ts"],
    // scaled like the waits inside the tests, so a test's own timeout stays longer than they are
    testTimeout: deadlineMs(60_000),
    hookTimeout: deadlineMs(60_000),
    pool: "forks",
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
