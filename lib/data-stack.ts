// cdk: the stateful stack — data store, documents, identity, backups and alerts. Termination-protected; everything
// in it is retained, and no key in it can be deleted or disabled.
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { Alerts } from './alerts';
import { Backups } from './backups';
import { DataStore } from './data-store';
import { Documents } from './documents';
import { Identity } from './identity';
import { deploymentRoleArn, protectKeyFromDestruction } from './key-protection';
import { TamperAlerts } from './tamper-alerts';

export interface LedgerlockDataStackProps extends StackProps {
  /**
   * Prefix of the Cognito token-endpoint domain.
   * @default - `ledgerlock-<account id>`
   */
  readonly domainPrefix?: string;
  /**
   * The deployment stage. Test stages (a word `test`, `dev` or `ci` in it) get GOVERNANCE-mode backups (see
   * `isTestStage` in backups.ts); every other stage gets COMPLIANCE.
   * @default - the `ledgerlock:stage` context value, else the stack name
   */
  readonly stage?: string;
}

/**
 * Resources that hold data or identities: redeploying functions and the API never touches them, and removing
 * the stack needs termination protection switched off first. Every KMS key created here gets the key-policy
 * statements of `protectKeyFromDestruction`: no principal may schedule its deletion or disable it, and only a
 * deployment may change its policy; `TamperAlerts` reports every attempt.
 */
export class LedgerlockDataStack extends Stack {
  readonly dataStore: DataStore;
  readonly documents: Documents;
  readonly identity: Identity;
  readonly alerts: Alerts;
  readonly backups: Backups;
  readonly tamperAlerts: TamperAlerts;

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
    this.alerts = new Alerts(this, 'Alerts');
    this.backups = new Backups(this, 'Backups', {
      tables: [this.dataStore.table, this.dataStore.keyStore.table],
      stage: props.stage,
    });
    this.tamperAlerts = new TamperAlerts(this, 'TamperAlerts', {
      alertTopic: this.alerts.topic,
      backupBucketName: this.backups.bucketName,
    });

    const deploymentRole = deploymentRoleArn(this);
    for (const key of this.node.findAll().filter((construct) => construct instanceof kms.Key)) {
      protectKeyFromDestruction(key, deploymentRole);
    }
  }
}
