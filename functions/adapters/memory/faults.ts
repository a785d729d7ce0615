// adapter (memory): deterministic fault injection for the in-memory adapters — "the next N calls of this
// operation fail (or run this first)", never a timer — so the fast tier can drive every failure branch.

type Action = () => void | Promise<void>;

interface Planned {
  remaining: number;
  readonly action: Action;
}

export class Faults {
  private readonly planned = new Map<string, Planned[]>();
  private readonly calls = new Map<string, number>();

  /** The next `count` calls of `operation` throw what `error` makes. */
  failNext(operation: string, count: number, error: () => Error): this {
    return this.beforeNext(operation, count, () => {
      throw error();
    });
  }

  /** Runs `action` before each of the next `count` calls of `operation` (e.g. a concurrent write). */
  beforeNext(operation: string, count: number, action: Action): this {
    const queue = this.planned.get(operation) ?? [];
    queue.push({ remaining: count, action });
    this.planned.set(operation, queue);
    return this;
  }

  /** Called by the adapters at the start of each operation. */
  async enter(operation: string): Promise<void> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const queue = this.planned.get(operation);
    const next = queue?.[0];
    if (queue === undefined || next === undefined) return;
    next.remaining -= 1;
    if (next.remaining <= 0) queue.shift();
    await next.action();
  }

  /** How often `operation` was called. */
  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }
}
