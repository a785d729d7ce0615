// bundling stand-in: bn.js, replaced in Lambda bundles (lib/bundling/options.ts). The Encryption SDK uses bn.js for
// two things: the 64-bit content lengths in every message (the frame AAD it authenticates, the body header of a
// non-framed message), and the curve arithmetic of ECDSA-signed messages (compressing and decompressing the
// signature's public key). Native BigInt does the first exactly, in the few operations the SDK calls; the second
// is for signed suites only, which the sealer neither writes nor accepts (functions/adapters/encryption-sdk-sealer.ts),
// so it throws SignedMessagesNotBundledError, as the asn1.js stand-in does. The curve constants the SDK derives at
// load (a modulus check, a bit length) still compute, so the module loads.
import { SignedMessagesNotBundledError } from './unsigned-messages-only';

type Endian = 'be' | 'le';
type Input = number | bigint | string | ArrayLike<number> | BN;

const refuse = (operation: string) => (): never => {
  throw new SignedMessagesNotBundledError(
    `bn.js ${operation} is only needed for ECDSA-signed Encryption SDK messages, which Lambda bundles do not support: bn.js is replaced by lib/bundling/message-lengths-only.ts`,
  );
};

function bigIntOf(input: Input, base: number | 'hex' | undefined, endian: Endian): bigint {
  if (input instanceof BN) return input.value;
  if (typeof input === 'bigint') return input;
  if (typeof input === 'number') {
    // bn.js takes plain numbers up to 2^53; the SDK passes content lengths and small curve constants.
    if (!Number.isSafeInteger(input) || input < 0) {
      throw new RangeError(`message-lengths-only BN takes a non-negative safe integer, not ${input}`);
    }
    return BigInt(input);
  }
  if (typeof input === 'string') {
    if (base !== 16 && base !== 'hex') {
      throw new RangeError(
        `message-lengths-only BN parses hexadecimal strings only, not base ${String(base)}`,
      );
    }
    if (!/^[0-9a-f]+$/i.test(input)) throw new RangeError('invalid hexadecimal string');
    return BigInt(`0x${input}`);
  }
  // An array of bytes, as bn.js reads one: big-endian unless told otherwise (its base argument is then ignored).
  const bytes = Array.from(input);
  if (endian === 'le') bytes.reverse();
  let value = 0n;
  for (const byte of bytes) {
    if (!Number.isInteger(byte) || byte < 0 || byte > 255) throw new RangeError(`${byte} is not a byte`);
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}

/** The part of bn.js's `BN` the Encryption SDK calls for unsigned messages, on a native BigInt. */
export default class BN {
  readonly value: bigint;

  constructor(number: Input, base?: number | 'hex', endian: Endian = 'be') {
    this.value = bigIntOf(number, base, endian);
  }

  /** Throws past 2^53 − 1, as bn.js does: a content length the SDK cannot handle fails the message. */
  toNumber(): number {
    if (this.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error('Number can only safely store up to 53 bits');
    }
    return Number(this.value);
  }

  /** The bytes of the number, zero-padded to `length` (bn.js: at least one byte; longer than `length` throws). */
  toArray(endian: Endian = 'be', length?: number): number[] {
    const bytes: number[] = [];
    for (let rest = this.value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    const wanted = length ?? Math.max(1, bytes.length);
    if (bytes.length > wanted) throw new Error('byte array longer than desired length');
    const padded = [...new Array<number>(wanted - bytes.length).fill(0), ...bytes];
    return endian === 'le' ? padded.reverse() : padded;
  }

  byteLength(): number {
    return Math.ceil(this.bitLength() / 8);
  }

  bitLength(): number {
    return this.value === 0n ? 0 : this.value.toString(2).length;
  }

  eq(other: BN): boolean {
    return this.value === other.value;
  }

  add(other: BN): BN {
    return new BN(this.value + other.value);
  }

  div(other: BN): BN {
    return new BN(this.value / other.value);
  }

  mod(other: BN): BN {
    return new BN(this.value % other.value);
  }

  /** A reduction context for curve arithmetic: created at load by the SDK, used only for signed messages. */
  static mont(_modulus: BN): object {
    return Object.freeze({});
  }

  readonly sub = refuse('sub');
  readonly mul = refuse('mul');
  readonly pow = refuse('pow');
  readonly toRed = refuse('toRed');
}
