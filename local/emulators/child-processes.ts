// local: what the emulators that run as child processes (DynamoDB Local, moto) share — none may outlive us
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Children still running, killed synchronously if this process exits without stopping them. */
const runningChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Kills `child` with SIGKILL if this process exits while it still runs. This covers a normal exit and an
 * uncaught exception; a SIGKILL of this process runs no hook, which is why each child also exits by itself
 * when its stdin (whose other end we hold) closes.
 */
export function killOnParentExit(child: ChildProcess): void {
  runningChildren.add(child);
  child.once('exit', () => runningChildren.delete(child));
  child.once('error', () => runningChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: SIGKILL is the only thing that is certain to land in time.
    process.on('exit', () => {
      for (const running of runningChildren) {
        running.kill('SIGKILL');
      }
    });
  }
}

/** A child emulator's exit, as the launchers wait for it and explain it. */
export interface WatchedChild {
  /** Settles when the child exited or could not be spawned. */
  readonly exited: Promise<void>;
  /** Why it is gone ("exit code 1", "signal SIGKILL", "could not spawn …"); undefined while it runs. */
  exitReason(): string | undefined;
  /**
   * Closes its stdin (each of our children exits on that), with SIGTERM too when `terminate`, and SIGKILLs it
   * if it has not exited 10 s later. Nothing to do once it is gone.
   */
  stop(options?: { readonly terminate?: boolean }): Promise<void>;
}

export function watchChild(child: ChildProcess, command: string): WatchedChild {
  killOnParentExit(child);
  let reason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      reason = signal === null ? `exit code ${code}` : `signal ${signal}`;
      resolve();
    });
    child.once('error', (error) => {
      reason = `could not spawn ${command}: ${error.message}`;
      resolve();
    });
  });
  return {
    exited,
    exitReason: () => reason,
    async stop(options = {}) {
      if (reason !== undefined) return;
      child.stdin?.end();
      if (options.terminate === true) child.kill('SIGTERM');
      // An unref'd timer: waiting for a graceful exit must not itself keep the process alive.
      const gracePeriod = sleep(10_000, false, { ref: false });
      if (!(await Promise.race([exited.then(() => true), gracePeriod]))) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
