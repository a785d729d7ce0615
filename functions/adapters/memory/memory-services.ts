// adapter (memory): the service ports — Sealer, BlindIndexer, TokenVerifier, Mailer, InvoiceRenderer,
// DocumentStore, SecuritySignals — in memory, each recording what it was asked and open to injected faults.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { InvoiceDocument } from '../../domain/invoice-document';
import type { BlindIndexer } from '../../ports/blind-indexer';
import type { DocumentStore } from '../../ports/document-store';
import type { InvoiceRenderer } from '../../ports/invoice-renderer';
import type { Mailer, OutgoingEmail } from '../../ports/mailer';
import { IntegrityError, type Sealer, type SealingContext } from '../../ports/sealer';
import type { SecuritySignal, SecuritySignals } from '../../ports/security-signals';
import {
  TokenRejectedError,
  type TokenRejection,
  type TokenVerifier,
  type VerifiedToken,
} from '../../ports/token-verifier';
import { Faults } from './faults';

const canonicalContext = (context: SealingContext) =>
  JSON.stringify([context.tenantId, context.entityType, context.entityId, context.digest]);

/**
 * Not encryption: the plaintext is stored beside its context under a keyed MAC, which is what the codecs rely
 * on — opening with another context, or after any byte changed, fails with IntegrityError.
 */
export class MemorySealer implements Sealer {
  private readonly key = randomUUID();

  private mac(context: string, data: string): string {
    return createHmac('sha256', this.key).update(context).update('\u0000').update(data).digest('base64url');
  }

  async seal(plaintext: Uint8Array, context: SealingContext): Promise<Uint8Array> {
    const data = Buffer.from(plaintext).toString('base64');
    const ctx = canonicalContext(context);
    return new TextEncoder().encode(JSON.stringify({ ctx, data, mac: this.mac(ctx, data) }));
  }

  async open(ciphertext: Uint8Array, expected: SealingContext): Promise<Uint8Array> {
    let sealed: { ctx: string; data: string; mac: string };
    try {
      sealed = JSON.parse(new TextDecoder().decode(ciphertext));
    } catch (error) {
      throw new IntegrityError('sealed attribute could not be decrypted', { cause: error });
    }
    if (sealed.mac !== this.mac(sealed.ctx, sealed.data)) {
      throw new IntegrityError('sealed attribute could not be decrypted');
    }
    if (sealed.ctx !== canonicalContext(expected)) throw new IntegrityError('encryption context mismatch');
    return new Uint8Array(Buffer.from(sealed.data, 'base64'));
  }
}

export class MemoryBlindIndexer implements BlindIndexer {
  async digest(tenantId: string, purpose: string, value: string): Promise<string> {
    return createHash('sha256').update(`${purpose}\u0000${tenantId}\u0000${value}`).digest('base64url');
  }
}

/** Tokens are whatever the test registers; anything else is malformed. */
export class MemoryTokenVerifier implements TokenVerifier {
  readonly faults = new Faults();
  private readonly tokens = new Map<string, VerifiedToken | TokenRejection>();

  accept(token: string, verified: VerifiedToken): this {
    this.tokens.set(token, verified);
    return this;
  }

  reject(token: string, reason: TokenRejection): this {
    this.tokens.set(token, reason);
    return this;
  }

  async verify(token: string): Promise<VerifiedToken> {
    await this.faults.enter('verify');
    const known = this.tokens.get(token);
    if (known === undefined) throw new TokenRejectedError('malformed');
    if (typeof known === 'string') throw new TokenRejectedError(known);
    return { ...known, scopes: [...known.scopes] };
  }
}

export class MemoryMailer implements Mailer {
  readonly faults = new Faults();
  readonly sent: (OutgoingEmail & { readonly messageId: string })[] = [];

  /**
   * Faults: `send` runs before anything is accepted (a refusal, nothing sent); `send-accepted` runs after the
   * message is recorded as sent (an answer lost on its way back: the email did go out).
   */
  async send(email: OutgoingEmail): Promise<{ readonly messageId: string }> {
    await this.faults.enter('send');
    const messageId = `memory-${this.sent.length + 1}`;
    this.sent.push({ ...email, messageId });
    await this.faults.enter('send-accepted');
    return { messageId };
  }
}

/** Renders a document to a tiny stand-in "PDF" that names its number; keeps every document it was given. */
export class MemoryInvoiceRenderer implements InvoiceRenderer {
  readonly faults = new Faults();
  readonly rendered: InvoiceDocument[] = [];

  async render(document: InvoiceDocument): Promise<Uint8Array> {
    await this.faults.enter('render');
    this.rendered.push(structuredClone(document));
    return new TextEncoder().encode(`%PDF-memory ${document.number} ${document.status}`);
  }
}

export class MemoryDocumentStore implements DocumentStore {
  readonly faults = new Faults();
  readonly objects = new Map<string, { readonly content: Uint8Array; readonly contentType: string }>();

  async put(key: string, content: Uint8Array, contentType: string): Promise<void> {
    await this.faults.enter('put');
    this.objects.set(key, { content: new Uint8Array(content), contentType });
  }
}

export class MemorySecuritySignals implements SecuritySignals {
  readonly recorded: SecuritySignal[] = [];

  record(signal: SecuritySignal): void {
    this.recorded.push(structuredClone(signal));
  }

  kinds(): string[] {
    return this.recorded.map((signal) => signal.kind);
  }
}
