// test: the local stage throttle (local/token-bucket.ts) — a bucket `burstLimit` deep, refilled at `rateLimit` a
// second, on a clock the test moves; and the test hook's "throttle the next N" whatever the bucket holds.
import { TokenBucket } from '../../local/token-bucket';

describe('the stage token bucket', () => {
  it('admits a burst of burstLimit, then refills at rateLimit a second, never above burstLimit', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 20 }, () => now);
    const admitted = (count: number) =>
      Array.from({ length: count }, () => bucket.take()).filter(Boolean).length;

    expect(admitted(25)).toBe(20);
    now += 500; // half a second: 5 tokens
    expect(admitted(10)).toBe(5);
    now += 60_000; // a minute idle fills it to the brim, not beyond
    expect(admitted(100)).toBe(20);
  });

  it('throttles the next N requests it is told to, then admits again from what it holds', () => {
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 20 }, () => 0);
    bucket.throttleNext(2);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([false, false, true]);
  });
});
