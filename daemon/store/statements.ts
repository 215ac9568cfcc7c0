import type { Statement } from "better-sqlite3";
import type { Db } from "./db.js";

/** Prepared statements by name; the names are the keys of the SQL record, so a misspelt one does not compile. */
export type Statements<T extends Record<string, string>> = { readonly [K in keyof T]: Statement };

/** Prepares every statement of `sql` once (at construction, so a bad statement fails at start, not at first use). */
export function prepareAll<const T extends Record<string, string>>(db: Db, sql: T): Statements<T> {
  const out: Record<string, Statement> = {};
  for (const [key, text] of Object.entries(sql)) out[key] = db.prepare(text);
  return out as Statements<T>;
}
