// bundling stand-in: asn1.js, replaced in Lambda bundles (lib/bundling/options.ts). The Encryption SDK needs it only
// for ECDSA-signed messages (DER signatures, PEM verification keys); the sealer writes the committing suite without
// a signature and refuses every other suite (functions/adapters/encryption-sdk-sealer.ts), so a signed message
// fails closed either way — here, as a decrypt failure the sealer turns into an IntegrityError.

export class SignedMessagesNotBundledError extends Error {
  override readonly name = 'SignedMessagesNotBundledError';
}

const refuse = (): never => {
  throw new SignedMessagesNotBundledError(
    'ECDSA-signed Encryption SDK messages are not supported in Lambda bundles: asn1.js is replaced by lib/bundling/unsigned-messages-only.ts',
  );
};

/** What the SDK's modules touch at load time: `define` builds the entity whose encode/decode would run. */
const asn1 = {
  define: (_name: string, _body: unknown) => ({ encode: refuse, decode: refuse }),
  bignum: {
    BN: class {
      constructor() {
        refuse();
      }
    },
  },
};

export default asn1;
