// adapter: KMS HMAC key → BlindIndexer. The HMAC key never leaves KMS; each digest is one GenerateMac call.
import { GenerateMacCommand, type KMSClient, MacAlgorithmSpec } from '@aws-sdk/client-kms';
import type { BlindIndexer } from '../ports/blind-indexer';

export class KmsBlindIndexer implements BlindIndexer {
  constructor(private readonly options: { readonly keyArn: string; readonly kms: KMSClient }) {}

  async digest(tenantId: string, purpose: string, value: string): Promise<string> {
    // Tenant and purpose are part of the message, so equal values in two tenants or fields never collide.
    const message = new TextEncoder().encode(`${purpose}\u0000${tenantId}\u0000${value}`);
    const { Mac: mac } = await this.options.kms.send(
      new GenerateMacCommand({
        KeyId: this.options.keyArn,
        MacAlgorithm: MacAlgorithmSpec.HMAC_SHA_256,
        Message: message,
      }),
    );
    if (mac === undefined) throw new Error('KMS returned no MAC');
    return Buffer.from(mac).toString('base64url');
  }
}
