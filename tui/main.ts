/** Entry of the full-screen TUI (`swarm`); the app lives in tui/app.tsx. */
export async function main(argv: string[]): Promise<number> {
  // Ink renders only the final frame when it believes it runs in CI (CI=true, as in CI jobs
  // and some shells). On a real terminal the TUI must be live, so hide those variables while
  // Ink reads them at import time, then put them back for anything we start.
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  if (process.stdout.isTTY) {
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
  }
  const { runTui } = await import("./app.js");
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  return runTui(argv.slice(2));
}
