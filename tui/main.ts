/** Entry of the full-screen TUI (`swarm`); the app lives in tui/app.tsx. */
export async function main(argv: string[]): Promise<number> {
  const { runTui } = await import("./app.js");
  return runTui(argv.slice(2));
}
