// local: the stream poller's stop signal — one AbortSignal every loop and request shares, and sleeps that end on stop
import { setTimeout as sleep } from 'node:timers/promises';

/** Duck-typed: errors from Node's timers or another realm (jest's VM contexts) fail `instanceof Error`. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : typeof error;
}

function isAbort(error: unknown): boolean {
  return errorName(error) === 'AbortError';
}

export class PollerLifecycle {
  private readonly abort = new AbortController();

  /** Handed to every SDK request, so stop() ends requests in flight. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Sleeps unless stop() comes first; never throws for the stop. */
  async pause(milliseconds: number): Promise<void> {
    try {
      await sleep(Math.max(0, milliseconds), undefined, { signal: this.abort.signal });
    } catch (error) {
      if (!isAbort(error)) {
        throw error;
      }
    }
  }
}
