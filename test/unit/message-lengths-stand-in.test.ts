// test: the bn.js stand-in of the Lambda bundles (lib/bundling/message-lengths-only.ts) — the 64-bit content lengths
// the Encryption SDK writes and reads, exactly as bn.js gives them, and a named refusal for signed-message arithmetic.
import fc from 'fast-check';
import BN from '../../lib/bundling/message-lengths-only';
import { SignedMessagesNotBundledError } from '../../lib/bundling/unsigned-messages-only';

/** What the SDK's frame AAD holds: the length as 8 big-endian bytes. */
function uint64BigEndian(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(value));
  return [...new Uint8Array(view.buffer)];
}

describe('message-lengths-only BN', () => {
  describe('content lengths', () => {
    it('writes a length as the 8 big-endian bytes of the frame AAD', () => {
      fc.assert(
        fc.property(fc.maxSafeNat(), (length) => {
          expect(new BN(length).toArray('be', 8)).toEqual(uint64BigEndian(length));
        }),
      );
    });

    it('reads the 8 bytes of a non-framed body header back to the length', () => {
      fc.assert(
        fc.property(fc.maxSafeNat(), (length) => {
          expect(new BN(uint64BigEndian(length), 16, 'be').toNumber()).toBe(length);
        }),
      );
    });

    it('refuses a length past 2^53 − 1 as bn.js does, so such a message fails', () => {
      expect(() => new BN([0x00, 0x20, 0, 0, 0, 0, 0, 0], 16, 'be').toNumber()).toThrow(
        'Number can only safely store up to 53 bits',
      );
    });

    it('refuses to squeeze a number into fewer bytes than it needs', () => {
      expect(() => new BN(0x1_0000).toArray('be', 2)).toThrow('byte array longer than desired length');
    });
  });

  describe('the curve constants the SDK derives at load', () => {
    it('checks the P-256 prime is 3 mod 4 and measures its bits', () => {
      const p = new BN('FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF', 16);

      expect({ congruent: p.mod(new BN(4)).eq(new BN(3)), bits: p.bitLength() }).toEqual({
        congruent: true,
        bits: 256,
      });
    });
  });

  describe('signed-message arithmetic', () => {
    it('throws SignedMessagesNotBundledError when point decompression is reached', () => {
      expect(() => new BN(2).toRed()).toThrow(SignedMessagesNotBundledError);
    });
  });
});
