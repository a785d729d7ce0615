// local: the parts of s3rver (which ships no types) that the S3 emulator module uses
declare module 's3rver' {
  import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
  import type { Readable } from 'node:stream';

  /** The slice of Koa's context our middleware touches. */
  interface S3rverContext {
    req: Readable & { headers: IncomingHttpHeaders };
  }

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Koa's request listener for http.createServer(); composes the middleware list when called. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    /** Koa's middleware list; composed by callback(), so entries added before it apply. */
    middleware: Array<(context: S3rverContext, next: () => Promise<void>) => Promise<void>>;
  }

  export default S3rver;
}

declare module 's3rver/lib/models/account.js' {
  /** An account owning access keys; s3rver has one dummy account. */
  interface AWSAccount {
    readonly id: number;
  }

  /** The AWSAccount class: its static registry maps access key ids to accounts. */
  const AWSAccount: {
    registry: Map<string, AWSAccount>;
    DUMMY_ACCOUNT: AWSAccount;
  };

  export default AWSAccount;
}
