// cdk: mail grants — the sender check and the SES statement behind ProjectFunction.bindMailIdentity.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type { GrantContext } from './table-grants';

/** What `bindMailIdentity` accepts as a sender: a plain address, no display name (SES matches it exactly). */
export const emailAddressPattern =
  /^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Sending through SES (v2 `SendEmail`, raw content included) from `fromAddress` only, as the given identity. */
export function mailStatements(
  identity: ses.IEmailIdentity,
  fromAddress: string,
  context: Pick<GrantContext, 'owner'>,
): iam.PolicyStatement[] {
  if (!emailAddressPattern.test(fromAddress)) {
    throw new Error(
      `${context.owner}: fromAddress "${fromAddress}" is not a plain email address such as "invoices@example.com"`,
    );
  }
  return [
    new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [identity.emailIdentityArn],
      conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
    }),
  ];
}
