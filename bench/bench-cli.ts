// bench: what every benchmark's command line shares — whole-number options with a default and a floor, --help,
// exit 2 with the usage on a bad value — and the progress line and median they all print.
import { parseArgs } from 'node:util';

interface WholeNumberOption {
  readonly default: number;
  /** The smallest value that makes a meaningful run. */
  readonly min: number;
}

/** Parses `--name N` options (and -h/--help, which prints `usage` and exits 0); a bad value exits 2. */
export function benchOptions<Name extends string>(
  usage: string,
  options: Readonly<Record<Name, WholeNumberOption>>,
): Record<Name, number> {
  const names = Object.keys(options) as Name[];
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = {} as Record<Name, number>;
  for (const name of names) {
    const { default: fallback, min } = options[name];
    const given = (values as Record<string, string | boolean | undefined>)[name] as string | undefined;
    const value = given === undefined ? fallback : Number(given);
    if (!Number.isSafeInteger(value) || value < min) {
      console.error(`--${name} must be a whole number ≥ ${min}, got ${JSON.stringify(given)}\n\n${usage}`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed;
}

/** Progress on stderr, so stdout holds only the report. */
export const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** The middle sample (the mean of the two middle ones for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
