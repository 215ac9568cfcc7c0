/**
 * Deadlines in tests are sized for a quiet machine; CI and a developer's busy laptop are
 * loaded 2-core hosts where a spawn or a daemon start can take seconds. Every deadline a test
 * waits on is multiplied by SWARM_TEST_DEADLINE_SCALE (default 3 when CI is set, else 2).
 * A larger deadline costs nothing when the awaited thing happens: only failures wait longer.
 * Used by test/helpers (waitFor, swarmctl, RawConn) and by vitest.config.ts (test timeouts).
 */
export const DEADLINE_SCALE = ((): number => {
  const v = Number(process.env.SWARM_TEST_DEADLINE_SCALE);
  if (Number.isFinite(v) && v > 0) return v;
  return process.env.CI && process.env.CI !== "false" ? 3 : 2;
})();

/** A deadline of `ms` on a quiet machine, scaled for the host the tests run on. */
export const deadlineMs = (ms: number): number => Math.round(ms * DEADLINE_SCALE);
