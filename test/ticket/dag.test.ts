import { afterEach, describe, expect, it } from "vitest";
import { findCycle, pathBetween } from "../../daemon/ticket/dag.js";
import { SwarmError } from "../../protocol/errors.js";
import { tempStore } from "./helpers/store.js";

/** Small deterministic PRNG so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let t: ReturnType<typeof tempStore> | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe("cycle detection on random DAGs", () => {
  it("acyclic graphs are accepted; every back-edge is refused naming a real cycle", () => {
    t = tempStore();
    const s = t.store;
    for (let seed = 1; seed <= 12; seed++) {
      const rand = rng(seed);
      const n = 8 + Math.floor(rand() * 12);
      // Topological order = creation order: edges only point to earlier tickets.
      const ids: string[] = [];
      const deps = new Map<string, string[]>();
      for (let i = 0; i < n; i++) {
        const mine = ids.filter(() => rand() < 0.3);
        const tk = s.create({ title: `s${seed}-${i}`, depends_on: mine }).ticket;
        ids.push(tk.id);
        deps.set(tk.id, mine);
      }
      expect(findCycle(ids, (x) => s.depsOf(x))).toBeNull();
      // Forward edges (later depends on earlier, if not already) keep it a DAG: accepted.
      for (let k = 0; k < 5; k++) {
        const a = Math.floor(rand() * n);
        const b = Math.floor(rand() * n);
        if (a <= b) continue;
        s.changeDeps(ids[a]!, [ids[b]!], []);
        deps.get(ids[a]!)!.push(ids[b]!);
      }
      expect(findCycle(ids, (x) => s.depsOf(x))).toBeNull();
      // Any edge from x to something that (transitively) depends on x is a back-edge.
      let tried = 0;
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          const from = ids[a]!;
          const to = ids[b]!;
          const back = pathBetween(to, from, (x) => s.depsOf(x));
          if (!back) continue;
          tried++;
          let err: SwarmError | undefined;
          try {
            s.changeDeps(from, [to], []);
          } catch (e) {
            err = e as SwarmError;
          }
          expect(err?.kind, `seed ${seed}: ${from} → ${to}`).toBe("INVALID_ARGUMENT");
          const cycle = err!.details!.cycle as string[];
          expect(cycle[0]).toBe(from);
          expect(cycle[cycle.length - 1]).toBe(from);
          expect(cycle[1]).toBe(to);
          // Every step of the named cycle is a real edge (or the refused one).
          for (let i = 1; i + 1 < cycle.length; i++) expect(s.depsOf(cycle[i]!)).toContain(cycle[i + 1]);
          for (const id of cycle) expect(err!.message).toContain(id);
        }
      }
      expect(tried).toBeGreaterThan(0);
      expect(findCycle(ids, (x) => s.depsOf(x))).toBeNull(); // nothing refused was stored
    }
  });

  it("findCycle finds a planted cycle in a random graph and names it", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rand = rng(seed);
      const n = 5 + Math.floor(rand() * 30);
      const g = new Map<string, string[]>();
      for (let i = 0; i < n; i++)
        g.set(
          `n${i}`,
          [...Array(i).keys()].filter(() => rand() < 0.2).map((j) => `n${j}`),
        );
      expect(findCycle(g.keys(), (x) => g.get(x) ?? [])).toBeNull();
      const a = 1 + Math.floor(rand() * (n - 1));
      const b = Math.floor(rand() * a);
      if (!pathBetween(`n${a}`, `n${b}`, (x) => g.get(x) ?? [])) g.get(`n${a}`)!.push(`n${b}`);
      g.get(`n${b}`)!.push(`n${a}`); // closes a cycle n_b → n_a → … → n_b
      const cycle = findCycle(g.keys(), (x) => g.get(x) ?? [])!;
      expect(cycle, `seed ${seed}`).not.toBeNull();
      expect(cycle[0]).toBe(cycle[cycle.length - 1]);
      for (let i = 0; i + 1 < cycle.length; i++) expect(g.get(cycle[i]!)).toContain(cycle[i + 1]);
    }
  });
});
