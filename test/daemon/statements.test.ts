import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../daemon/store/db.js";
import { prepareAll } from "../../daemon/store/statements.js";

let db: Db | undefined;
let dir: string | undefined;
afterEach(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function open(): Db {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-stmts-"));
  db = openDatabase(path.join(dir, "swarm.db"));
  return db;
}

describe("prepareAll", () => {
  it("gives each statement under its name; a name not in the record does not compile", () => {
    const s = prepareAll(open(), { count: "SELECT COUNT(*) AS n FROM events", one: "SELECT 1 AS x" } as const);
    expect(s.count.get()).toEqual({ n: 0 });
    expect(s.one.get()).toEqual({ x: 1 });
    // @ts-expect-error -- `cuont` is not a statement of this record (tsconfig.test.json fails if this line compiles)
    expect(s.cuont).toBeUndefined();
  });

  it("prepares at construction, so a bad statement fails at start naming the problem", () => {
    expect(() => prepareAll(open(), { good: "SELECT 1", bad: "SELECT * FROM no_such_table" } as const)).toThrow(/no such table: no_such_table/);
  });
});
