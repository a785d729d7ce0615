// local: the stand-in for deliver's once-a-minute EventBridge schedule, which the stack starts.

/**
 * The local stand-in for deliver's EventBridge schedule: one sweep at a time (a slow one is not overlapped, as a
 * one-minute rule with a one-minute timeout would not be), and a failed sweep is logged, never fatal.
 */
export function startSweeper(sweep: () => Promise<unknown>, intervalMs: number, log: (line: string) => void) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = Promise.resolve()
      .then(sweep)
      .then(
        () => undefined,
        (error: unknown) => log(`sweep failed (${(error as Error).name})`),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
