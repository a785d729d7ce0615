// local: /health — every emulator answers within a bound, or the stack says which one does not. The answer names
// services and a short status only: no addresses, ports or socket errors leave the stack.

export type HealthCheck = (signal: AbortSignal) => Promise<unknown>;

export interface HealthReport {
  readonly ok: boolean;
  readonly services: Readonly<Record<string, 'ok' | 'unavailable' | 'timeout'>>;
}

/** A stalled emulator must not stall /health: each check gets this long. */
export const healthCheckTimeoutMs = 2_000;

export function healthOf(checks: Readonly<Record<string, HealthCheck>>, timeoutMs = healthCheckTimeoutMs) {
  return async (): Promise<HealthReport> => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        const controller = new AbortController();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => {
            controller.abort();
            resolve('timeout');
          }, timeoutMs);
        });
        try {
          const outcome = await Promise.race([check(controller.signal).then(() => 'ok' as const), timedOut]);
          return [name, outcome] as const;
        } catch {
          return [name, 'unavailable' as const] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: results.every(([, status]) => status === 'ok'), services: Object.fromEntries(results) };
  };
}
