// local: what the emulators that run as child processes (DynamoDB Local, moto) share — none may outlive us
import type { ChildProcess } from 'node:child_process';

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
