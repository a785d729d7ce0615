// cdk: the stateful stack — data store, documents and identity. Termination-protected; everything in it is retained.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataStore } from './data-store';
import { Documents } from './documents';
import { Identity } from './identity';

export interface LedgerlockDataStackProps extends StackProps {
  /**
   * Prefix of the Cognito token-endpoint domain.
   * @default - `ledgerlock-<account id>`
   */
  readonly domainPrefix?: string;
}

/**
 * Resources that hold data or identities: redeploying functions and the API never touches them, and removing
 * the stack needs termination protection switched off first.
 */
export class LedgerlockDataStack extends Stack {
  readonly dataStore: DataStore;
  readonly documents: Documents;
  readonly identity: Identity;

  constructor(scope: Construct, id: string, props: LedgerlockDataStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });
    if (props.terminationProtection === false) {
      throw new Error(
        `${id}: terminationProtection must stay on for the stateful stack; turn it off only in the console when retiring it`,
      );
    }
    this.dataStore = new DataStore(this, 'DataStore');
    this.documents = new Documents(this, 'Documents');
    this.identity = new Identity(this, 'Identity', { domainPrefix: props.domainPrefix });
  }
}
