/** Which of the TUI's lists an event makes stale, by its type. */
export type Domain = "runtimes" | "tickets" | "approvals" | "threads" | "envs" | "coordinator";

const BY_PREFIX: [string, Domain[]][] = [
  ["runtime.", ["runtimes"]],
  ["ticket.", ["tickets", "coordinator"]],
  ["workflow.", ["tickets"]],
  ["approval.", ["approvals", "tickets"]],
  ["thread.", ["threads"]],
  ["message.", ["threads"]],
  ["env.", ["envs"]],
  ["coordinator.", ["coordinator", "tickets"]],
];

export function refreshPlan(eventType: string): Domain[] {
  const out = new Set<Domain>();
  for (const [prefix, ds] of BY_PREFIX) if (eventType.startsWith(prefix)) for (const d of ds) out.add(d);
  return [...out];
}
