// domain: per-minute counts and the baseline learned from them — an exponentially weighted mean and variance
// of a subject's per-minute count, and a slowly decaying peak so a tenant's usual bursts (a month-end billing
// run) count as usual. Robust, explainable, pure.

export interface Baseline {
  /** Expected events per minute (EWMA over every minute since the subject was first seen, idle ones included). */
  readonly mean: number;
  readonly variance: number;
  /** The largest minute seen, decaying with a half-life of `peakHalfLifeDays`. */
  readonly peak: number;
  /** Minutes with at least one event: the baseline counts as learned after `warmUpMinutes` of them. */
  readonly activeMinutes: number;
  /** Minutes folded in so far (idle ones included), to correct the young EWMA's bias towards zero. */
  readonly foldedMinutes?: number;
  /** The last minute folded into mean, variance and peak. */
  readonly foldedThrough: number | null;
}

export interface Counter {
  /** Event counts of the recent minutes, by epoch minute. */
  readonly minutes: Readonly<Record<string, number>>;
  /**
   * Minutes that breached, with the limit they breached: such a minute passes in the baseline as an ordinary one
   * (the mean stays, the peak only decays), so an attack, however long, never teaches the baseline that attacks
   * are usual. A level that has become legitimately usual is accepted by a person (`npm run ops --
   * accept-baseline`), not learned.
   */
  readonly caps?: Readonly<Record<string, number>>;
  readonly baseline: Baseline;
}

/** One day of memory: a minute weighs 1/1440 in the mean. */
export const ewmaWeight = 1 / 1440;
/** Long enough that a monthly billing run is still in the peak when the next one comes (0.79 of it after 31 days). */
export const peakHalfLifeDays = 90;
/** Recent minutes kept beside the baseline (the longest window a rule sums over). */
export const keptMinutes = 10;
/** Idle minutes folded one by one; a longer idle spell fades the rest in one step. */
const maxFoldedGap = 1440;
const peakDecayPerMinute = 0.5 ** (1 / (peakHalfLifeDays * 1440));

export const emptyCounter: Counter = {
  minutes: {},
  baseline: { mean: 0, variance: 0, peak: 0, activeMinutes: 0, foldedThrough: null },
};

export const minuteOf = (epochMs: number) => Math.floor(epochMs / 60_000);

function fold(baseline: Baseline, count: number): Baseline {
  const delta = count - baseline.mean;
  return {
    mean: baseline.mean + ewmaWeight * delta,
    variance: (1 - ewmaWeight) * (baseline.variance + ewmaWeight * delta * delta),
    peak: Math.max(baseline.peak * peakDecayPerMinute, count),
    activeMinutes: baseline.activeMinutes + (count > 0 ? 1 : 0),
    foldedMinutes: (baseline.foldedMinutes ?? 0) + 1,
    foldedThrough: baseline.foldedThrough,
  };
}

/** A breaching minute: time passes (the variance and the peak decay as in a minute at the mean), nothing is learned. */
function hold(baseline: Baseline): Baseline {
  return { ...fold(baseline, baseline.mean), peak: baseline.peak * peakDecayPerMinute };
}

/**
 * Mean and variance as if the EWMA had always run: a young one starts from zero and reads low until about
 * 1/weight minutes have passed; dividing by 1 − (1 − weight)^n removes that (as Adam's bias correction does).
 */
export function corrected(baseline: Baseline): { readonly mean: number; readonly deviation: number } {
  const folded = baseline.foldedMinutes ?? 0;
  if (folded === 0) return { mean: 0, deviation: 0 };
  const correction = 1 - (1 - ewmaWeight) ** folded;
  return { mean: baseline.mean / correction, deviation: Math.sqrt(baseline.variance / correction) };
}

/** Idle minutes beyond what is folded one by one: mean and variance fade, the peak decays, nothing else. */
function fade(baseline: Baseline, minutes: number): Baseline {
  const keep = (1 - ewmaWeight) ** minutes;
  return {
    ...baseline,
    mean: baseline.mean * keep,
    variance: baseline.variance * keep,
    peak: baseline.peak * peakDecayPerMinute ** minutes,
    foldedMinutes: (baseline.foldedMinutes ?? 0) + minutes,
  };
}

/** Folds every complete minute before `minute` into the baseline (idle minutes as zeros), keeping recent ones. */
export function advance(counter: Counter, minute: number): Counter {
  let baseline = counter.baseline;
  const pending = Object.keys(counter.minutes)
    .map(Number)
    .filter((m) => m < minute && (baseline.foldedThrough === null || m > baseline.foldedThrough))
    .sort((a, b) => a - b);
  for (const m of pending) {
    const gap = baseline.foldedThrough === null ? 0 : m - baseline.foldedThrough - 1;
    const folded = Math.min(gap, maxFoldedGap);
    for (let index = 0; index < folded; index += 1) baseline = fold(baseline, 0);
    if (gap > folded) baseline = fade(baseline, gap - folded);
    const count = counter.minutes[String(m)] ?? 0;
    const breached = counter.caps?.[String(m)] !== undefined;
    baseline = { ...(breached ? hold(baseline) : fold(baseline, count)), foldedThrough: m };
  }
  const recent = ([m]: [string, number]) => Number(m) > minute - keptMinutes;
  const minutes = Object.fromEntries(Object.entries(counter.minutes).filter(recent));
  const caps = Object.fromEntries(Object.entries(counter.caps ?? {}).filter(recent));
  return { minutes, ...(Object.keys(caps).length === 0 ? {} : { caps }), baseline };
}

/** Marks `minute` as a breach of `limit`: it will pass in the baseline without being learned. */
export function capMinute(counter: Counter, minute: number, limit: number): Counter {
  return { ...counter, caps: { ...counter.caps, [String(minute)]: Math.floor(limit) } };
}

export function record(counter: Counter, minute: number, count: number): Counter {
  const advanced = advance(counter, minute);
  const key = String(minute);
  return { ...advanced, minutes: { ...advanced.minutes, [key]: (advanced.minutes[key] ?? 0) + count } };
}

/** Events in the `windowMinutes` ending with `minute`. */
export function windowCount(counter: Counter, minute: number, windowMinutes: number): number {
  let sum = 0;
  for (const [m, count] of Object.entries(counter.minutes)) {
    if (Number(m) <= minute && Number(m) > minute - windowMinutes) sum += count;
  }
  return sum;
}

export interface BaselineLimits {
  /** Until the baseline is learned: a conservative fixed limit per minute. */
  readonly coldLimit: number;
  /** Never alert below this many per minute, however quiet the subject usually is. */
  readonly floor: number;
  /** A burst must exceed the subject's usual peak by this factor. */
  readonly peakFactor: number;
  /** …and its mean by this many standard deviations. */
  readonly sigmas: number;
  readonly warmUpMinutes: number;
}

export interface Judgement {
  readonly limit: number;
  /** What the subject usually does per minute (the mean), or the cold limit while it is being learned. */
  readonly baseline: number;
  readonly learned: boolean;
}

export function limitFor(baseline: Baseline, limits: BaselineLimits): Judgement {
  if (baseline.activeMinutes < limits.warmUpMinutes) {
    return { limit: limits.coldLimit, baseline: limits.coldLimit, learned: false };
  }
  const { mean, deviation } = corrected(baseline);
  const limit = Math.max(limits.floor, limits.peakFactor * baseline.peak, mean + limits.sigmas * deviation);
  return { limit, baseline: mean, learned: true };
}

/** Median and median absolute deviation, for values far outside a tenant's usual range. */
export function medianAndMad(values: readonly number[]): { readonly median: number; readonly mad: number } {
  const median = middle([...values].sort((a, b) => a - b));
  const mad = middle(values.map((value) => Math.abs(value - median)).sort((a, b) => a - b));
  return { median, mad };
}

function middle(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[half] ?? 0) : ((sorted[half - 1] ?? 0) + (sorted[half] ?? 0)) / 2;
}

/**
 * A baseline as if learned over a long history: what an import of a tenant's history (or a test that cannot wait
 * weeks) starts a subject from. `mean` and `deviation` are per minute; `peak` is the usual largest minute.
 */
export function learnedCounter(history: {
  readonly mean: number;
  readonly deviation: number;
  readonly peak: number;
  readonly activeMinutes: number;
  readonly throughMinute: number;
}): Counter {
  return {
    minutes: {},
    baseline: {
      mean: history.mean,
      variance: history.deviation ** 2,
      peak: history.peak,
      activeMinutes: history.activeMinutes,
      // Long enough that the bias correction is 1.
      foldedMinutes: 60 * 1440,
      foldedThrough: history.throughMinute,
    },
  };
}

/**
 * A person's decision that `peak` a minute is now usual for the subject (it grew; the breaches were not an
 * attack): the peak becomes `peak`, pending breaches are forgotten, and a baseline still warming up counts as
 * learned. The mean and deviation stay what they were learned to be.
 */
export function acceptPeak(counter: Counter, peak: number, warmUpMinutes: number): Counter {
  const { caps: _forgotten, ...rest } = counter;
  return {
    ...rest,
    baseline: {
      ...counter.baseline,
      peak,
      activeMinutes: Math.max(counter.baseline.activeMinutes, warmUpMinutes),
    },
  };
}
