// test: stops the local stack the global setup started, and waits until its emulators are gone.
export default async function globalTeardown(): Promise<void> {
  const child = globalThis.ledgerlockStack;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timeout);
}
