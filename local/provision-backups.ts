// local: creates the Object-Locked backup bucket in moto's S3 the way the stateful stack creates it on AWS, and
// the local principals (moto IAM users) that stand in for the backup function's role and for an administrator.
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  NotFound,
  type ObjectLockConfiguration,
  type ObjectLockRetentionMode,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { backupObjectPrefix } from '../functions/platform/key-layout';
import { addBackupBucketPolicy } from '../lib/backup-bucket-policy';
import type { ClientConfig } from './provision';

/** No deployment role exists locally; the deployed policy needs one to name. */
const localDeploymentRoleArn = 'arn:aws:iam::000000000000:role/ledgerlock-local-deployment';

export interface LockedBucketOptions {
  /** Default retention of every new object version, in days. */
  readonly retentionDays: number;
  readonly mode: ObjectLockRetentionMode;
  /** The backup key: default SSE-KMS of the bucket (moto stores and echoes it but never calls KMS). */
  readonly encryptionKeyArn: string;
  /** The one principal the deployed policy lets change the bucket's protection. @default - a placeholder role */
  readonly deploymentRoleArn?: string;
  /**
   * 'deployed' applies what moto can enforce of the deployed bucket policy ({@link locallyEnforceablePolicy});
   * 'none' leaves the bucket without a policy, to show what Object Lock alone holds. @default 'deployed'
   */
  readonly bucketPolicy?: 'deployed' | 'none';
}

export class LockedBucketMismatchError extends Error {
  override readonly name = 'LockedBucketMismatchError';
}

export type PolicyDocument = { Version: string; Statement: Record<string, unknown>[] };

/**
 * The bucket policy the stateful stack deploys (lib/backup-bucket-policy.ts), rendered for one bucket name: the
 * same function builds it, handed a stand-in for the CDK bucket, so the two cannot drift apart.
 */
export function deployedBackupBucketPolicy(
  bucketName: string,
  options: { readonly keyArn: string; readonly deploymentRoleArn: string; readonly partition?: string },
): PolicyDocument {
  const bucketArn = `arn:${options.partition ?? 'aws'}:s3:::${bucketName}`;
  const statements: Record<string, unknown>[] = [];
  const bucket = {
    bucketArn,
    arnForObjects: (pattern: string) => `${bucketArn}/${pattern}`,
    addToResourcePolicy: (statement: { toStatementJson(): Record<string, unknown> }) => {
      statements.push(statement.toStatementJson());
      return { statementAdded: true };
    },
  };
  addBackupBucketPolicy(
    bucket as unknown as s3.Bucket,
    { keyArn: options.keyArn } as kms.IKey,
    options.deploymentRoleArn,
  );
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The statements of `policy` moto evaluates as AWS would, and the ids of those it cannot. moto (5.2.1) checks a
 * bucket policy only on object requests, as `s3:<HTTP method>Object` for any principal: a Deny with a Condition
 * denies every such request whatever the condition says (it cannot evaluate s3:if-none-match or the SSE
 * headers, so applying it would refuse every backup), and a NotResource statement is never applied. Those are
 * left out locally and asserted on the template instead; what stays is enforced for the actions moto names.
 */
export function locallyEnforceablePolicy(policy: PolicyDocument): {
  readonly policy: PolicyDocument;
  readonly leftOut: readonly string[];
} {
  const enforceable = (statement: Record<string, unknown>) =>
    statement.Condition === undefined &&
    statement.NotResource === undefined &&
    statement.NotAction === undefined;
  return {
    policy: { ...policy, Statement: policy.Statement.filter(enforceable) },
    leftOut: policy.Statement.filter((statement) => !enforceable(statement)).map((statement) =>
      String(statement.Sid ?? JSON.stringify(statement)),
    ),
  };
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof NotFound ||
    (error instanceof S3ServiceException && [404, 301].includes(error.$metadata.httpStatusCode ?? 0))
  );
}

/** The bucket's Object Lock configuration; undefined when it has none (S3 answers an error for that). */
async function objectLockConfiguration(
  client: S3Client,
  bucketName: string,
): Promise<ObjectLockConfiguration | undefined> {
  try {
    const { ObjectLockConfiguration: configuration } = await client.send(
      new GetObjectLockConfigurationCommand({ Bucket: bucketName }),
    );
    return configuration;
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'ObjectLockConfigurationNotFoundError') {
      return undefined;
    }
    throw error;
  }
}

/**
 * Creates the bucket with Object Lock (which turns versioning on), the default retention, default SSE-KMS under the
 * backup key, public access blocked and what moto can enforce of the deployed bucket policy; idempotent. Returns
 * the ids of the policy statements left out, for the caller to say so. An existing bucket without Object Lock is
 * refused rather than repaired: its unlocked versions could already have been deleted. A different default
 * retention is set to the requested one, as a CDK deployment would.
 */
export async function ensureLockedBucket(
  config: ClientConfig,
  bucketName: string,
  options: LockedBucketOptions,
): Promise<{ readonly created: boolean; readonly policyStatementsLeftOut: readonly string[] }> {
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) {
    throw new RangeError(`retentionDays must be a whole number of days ≥ 1, got ${options.retentionDays}`);
  }
  const client = new S3Client({ ...config, forcePathStyle: true });
  try {
    let created = false;
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucketName }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await client.send(
        new CreateBucketCommand({
          Bucket: bucketName,
          ObjectLockEnabledForBucket: true,
          // us-east-1 is the one region S3 refuses a location constraint for.
          ...(config.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint },
              }),
        }),
      );
      created = true;
    }
    const lock = await objectLockConfiguration(client, bucketName);
    if (lock?.ObjectLockEnabled !== 'Enabled') {
      throw new LockedBucketMismatchError(
        `bucket ${bucketName} exists without Object Lock; backups must not go there. Remove it (or the local state dir) and start again`,
      );
    }
    const { Status: versioning } = await client.send(new GetBucketVersioningCommand({ Bucket: bucketName }));
    if (versioning !== 'Enabled') {
      throw new LockedBucketMismatchError(
        `bucket ${bucketName} has Object Lock but versioning is ${versioning ?? 'off'}; S3 keeps them together`,
      );
    }
    const retention = lock.Rule?.DefaultRetention;
    if (retention?.Mode !== options.mode || retention.Days !== options.retentionDays) {
      await client.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucketName,
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            Rule: { DefaultRetention: { Mode: options.mode, Days: options.retentionDays } },
          },
        }),
      );
    }
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: bucketName,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: options.encryptionKeyArn,
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucketName,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    let leftOut: readonly string[] = [];
    if ((options.bucketPolicy ?? 'deployed') === 'deployed') {
      const deployed = deployedBackupBucketPolicy(bucketName, {
        keyArn: options.encryptionKeyArn,
        deploymentRoleArn: options.deploymentRoleArn ?? localDeploymentRoleArn,
      });
      const enforceable = locallyEnforceablePolicy(deployed);
      leftOut = enforceable.leftOut;
      await client.send(
        new PutBucketPolicyCommand({ Bucket: bucketName, Policy: JSON.stringify(enforceable.policy) }),
      );
    }
    return { created, policyStatementsLeftOut: leftOut };
  } finally {
    client.destroy();
  }
}

/** The backup function's rights on the bucket, as its role has them on AWS: add new objects under its prefix. */
export function backupWriterPolicy(bucketName: string, partition = 'aws'): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteChangeBatches',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`arn:${partition}:s3:::${bucketName}/${backupObjectPrefix}*`],
      },
    ],
  };
}

/** Everything, as a local stand-in for an administrator (or the account root) on AWS. */
export const administratorPolicy: Record<string, unknown> = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }],
};

export interface LocalPrincipal {
  readonly userName: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * One IAM Query API call to moto. Only valid before {@link RunningMotoS3.enforceIam}: moto then checks no
 * signature, but picks the service from the Authorization header's credential scope, so it carries one naming
 * IAM (there is no @aws-sdk/client-iam in this project to sign with).
 */
async function callMotoIam(endpoint: string, parameters: Record<string, string>): Promise<string> {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=LEDGERLOCKLOCAL/${date}/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=unchecked`,
    },
    body: new URLSearchParams({ ...parameters, Version: '2010-05-08' }).toString(),
  });
  const text = await response.text();
  if (!response.ok) {
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? String(response.status);
    const error = new Error(`moto IAM ${parameters.Action} failed: ${code}`);
    error.name = code;
    throw error;
  }
  return text;
}

function xmlValues(xml: string, element: string): string[] {
  return [...xml.matchAll(new RegExp(`<${element}>([^<]+)</${element}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/**
 * Creates (or updates) an IAM user in moto with exactly `policy` inline, and gives it one fresh access key — the
 * secret of an existing key cannot be read back, so earlier keys of the user are deleted. Call it before
 * enforcing IAM; in persistent mode the users and keys are in the recording and come back after a restart,
 * but enforcement does not, so a stack calls this and then enforceIam() on every start.
 */
export async function ensureLocalPrincipal(
  endpoint: string,
  userName: string,
  policy: Record<string, unknown>,
): Promise<LocalPrincipal> {
  try {
    await callMotoIam(endpoint, { Action: 'CreateUser', UserName: userName });
  } catch (error) {
    if ((error as Error).name !== 'EntityAlreadyExists') throw error;
  }
  await callMotoIam(endpoint, {
    Action: 'PutUserPolicy',
    UserName: userName,
    PolicyName: `${userName}-policy`,
    PolicyDocument: JSON.stringify(policy),
  });
  const existingKeys = xmlValues(
    await callMotoIam(endpoint, { Action: 'ListAccessKeys', UserName: userName }),
    'AccessKeyId',
  );
  for (const accessKeyId of existingKeys) {
    await callMotoIam(endpoint, { Action: 'DeleteAccessKey', UserName: userName, AccessKeyId: accessKeyId });
  }
  const created = await callMotoIam(endpoint, { Action: 'CreateAccessKey', UserName: userName });
  const [accessKeyId] = xmlValues(created, 'AccessKeyId');
  const [secretAccessKey] = xmlValues(created, 'SecretAccessKey');
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`moto IAM CreateAccessKey for ${userName} returned no key`);
  }
  return { userName, credentials: { accessKeyId, secretAccessKey } };
}
