// local: appends lines to the local stack's log files without ever taking the stack down — a full disk or a
// removed log directory is reported once on stderr, and serving goes on.
import { appendFile } from 'node:fs';

const reported = new Set<string>();

export function appendLogLine(
  file: string,
  line: string,
  options: { readonly timestamp?: boolean } = {},
): void {
  const text = options.timestamp === false ? `${line}\n` : `${new Date().toISOString()} ${line}\n`;
  appendFile(file, text, (error) => {
    if (error === null || reported.has(file)) return;
    reported.add(file);
    process.stderr.write(
      `[ledgerlock] cannot write ${file} (${error.code ?? error.name}); lines are dropped\n`,
    );
  });
}
