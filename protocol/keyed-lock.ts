/**
 * A per-key mutex: callers with the same key run one at a time, in arrival order; a
 * failing caller releases the key like a succeeding one. Used for per-repository locks
 * (git's worktree metadata is not concurrency-safe), per-base builds and per-environment
 * lifecycle operations.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Is someone running or waiting under this key? */
  held(key: string): boolean {
    return this.tails.has(key);
  }
}
