import { configDefaults, defineConfig } from "vitest/config";
import { deadlineMs } from "./test/helpers/deadline.js";

const INCLUDE = ["test/**/*.test.ts", "protocol/**/*.test.ts", "daemon/**/*.test.ts", "cli/**/*.test.ts", "tui/**/*.test.ts", "providers/**/*.test.ts"];

// Files that keep a core busy for most of their run (QEMU's software emulation, the real
// agent CLIs, 100 MB through a PTY): they run one at a time, after the rest, so they never
// compete with each other. Everything else mostly waits on sockets, PTYs and timers and runs
// two files at once.
const ONE_AT_A_TIME = [
  "test/providers/vm*.test.ts",
  "test/providers/proxy.test.ts",
  "test/env/env-vm.test.ts",
  "test/thread/vm-bridge.test.ts",
  "test/**/real-agents*.test.ts",
  "test/**/real-agents/**/*.test.ts",
  "test/runtime/flow-control.test.ts",
];

const shared = {
  // scaled like the waits inside the tests, so a test's own timeout stays longer than they are
  testTimeout: deadlineMs(60_000),
  hookTimeout: deadlineMs(60_000),
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    projects: [
      {
        test: {
          ...shared,
          name: "parallel",
          include: INCLUDE,
          exclude: [...configDefaults.exclude, ...ONE_AT_A_TIME],
          maxWorkers: Number(process.env.SWARM_TEST_WORKERS) || 2,
          sequence: { groupOrder: 0 },
        },
      },
      { test: { ...shared, name: "one-at-a-time", include: ONE_AT_A_TIME, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
