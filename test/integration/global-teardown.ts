// test: stops the local stack the global setup started, and waits until its emulators are gone.
import { stopStackProcess } from '../../local/stack-process';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.ledgerlockStack !== undefined) await stopStackProcess(globalThis.ledgerlockStack);
}
