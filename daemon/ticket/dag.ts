/**
 * Graph helpers for ticket dependencies. An edge a → b means "a depends on b". Cycles are
 * reported as the list of ids walked, first id repeated at the end (a → b → c → a), so
 * the error can name every ticket in the loop.
 */
export type DepsOf = (id: string) => readonly string[];

/** A path from `from` to `to` following dependency edges, or null. Includes both ends. */
export function pathBetween(from: string, to: string, depsOf: DepsOf): string[] | null {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i]!;
    if (cur === to) {
      const path: string[] = [];
      for (let n: string | null = cur; n !== null; n = parent.get(n) ?? null) path.push(n);
      return path.reverse();
    }
    for (const next of depsOf(cur)) {
      if (!parent.has(next)) {
        parent.set(next, cur);
        queue.push(next);
      }
    }
  }
  return null;
}

/** The cycle that adding the edge `id` → `dep` would close, or null. */
export function cycleIfAdded(id: string, dep: string, depsOf: DepsOf): string[] | null {
  if (id === dep) return [id, id];
  const back = pathBetween(dep, id, depsOf);
  return back ? [id, ...back] : null;
}

/** Any cycle among `nodes` (iterative DFS, so deep chains do not overflow the stack). */
export function findCycle(nodes: Iterable<string>, depsOf: DepsOf): string[] | null {
  const color = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = finished
  for (const start of nodes) {
    if (color.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    color.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const deps = depsOf(top.id);
      if (top.next >= deps.length) {
        color.set(top.id, 2);
        stack.pop();
        continue;
      }
      const dep = deps[top.next++]!;
      const c = color.get(dep);
      if (c === 1) {
        const at = stack.findIndex((f) => f.id === dep);
        return [...stack.slice(at).map((f) => f.id), dep];
      }
      if (c === undefined) {
        color.set(dep, 1);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return null;
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(" → ");
}
