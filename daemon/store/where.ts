/** Builds a WHERE clause from optional filters: each condition applies only when its value is set. */
export function whereClause(conds: [sql: string, value: unknown][]): { sql: string; args: unknown[] } {
  const used = conds.filter(([, v]) => v !== undefined && v !== null && v !== "");
  return { sql: used.length ? "WHERE " + used.map(([s]) => s).join(" AND ") : "", args: used.map(([, v]) => v) };
}
