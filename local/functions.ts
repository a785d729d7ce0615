// local: the real Lambda handlers, built by the same composition root as on AWS, with the emulators' endpoints
// and fake credentials passed in — nothing goes through process.env.
import type { AwsService } from '../functions/adapters/aws-clients';
import { makeHandler as makeApiRead } from '../functions/api-read/handler';
import { makeHandler as makeApiWrite } from '../functions/api-write/handler';
import { makeHandler as makeAuthorizer } from '../functions/authorizer/handler';
import { makeHandler as makeDeliver } from '../functions/deliver/handler';
import { composeApiRead } from '../functions/platform/composition/api-read';
import { composeApiWrite } from '../functions/platform/composition/api-write';
import { composeAuthorizer } from '../functions/platform/composition/authorizer';
import { composeDeliver } from '../functions/platform/composition/deliver';
import { type configNames, createRuntime } from '../functions/platform/composition/runtime';
import type { Config } from '../functions/platform/config';

export interface LocalAws {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: Readonly<Partial<Record<AwsService, string>>>;
}

export type LocalFunctionName = 'authorizer' | 'api-read' | 'api-write' | 'deliver';

/** What CDK would set on the functions, as one object (each function reads only its own names). */
export type LocalConfig = Config<(typeof configNames)[LocalFunctionName][number]>;

/** One function instance's runtime, as Lambda would give it: its own clients and observability. */
export function localRuntime(functionName: LocalFunctionName, aws: LocalAws) {
  return createRuntime(
    // Same service names and namespace as the CDK construct sets; X-Ray has no local stand-in.
    { serviceName: `ledgerlock-${functionName}`, metricsNamespace: 'Ledgerlock', tracingEnabled: false },
    { ...aws, s3ForcePathStyle: true },
  );
}

export function localFunctions(config: LocalConfig, aws: LocalAws) {
  return {
    authorizer: makeAuthorizer(composeAuthorizer(config, localRuntime('authorizer', aws))),
    'api-read': makeApiRead(composeApiRead(config, localRuntime('api-read', aws))),
    'api-write': makeApiWrite(composeApiWrite(config, localRuntime('api-write', aws))),
    deliver: makeDeliver(composeDeliver(config, localRuntime('deliver', aws))),
  };
}
