// local: the real Lambda handlers, built by the same composition root as on AWS, with the emulators' endpoints
// and fake credentials passed in — nothing goes through process.env.
import type { AwsService } from '../functions/adapters/aws-clients';
import { makeHandler as makeApiRead } from '../functions/api-read/handler';
import { makeHandler as makeApiWrite } from '../functions/api-write/handler';
import { makeHandler as makeAuthorizer } from '../functions/authorizer/handler';
import { makeHandler as makeBackup } from '../functions/backup/handler';
import { makeHandler as makeChain } from '../functions/chain/handler';
import { makeHandler as makeDeliver } from '../functions/deliver/handler';
import { makeHandler as makeDetect } from '../functions/detect/handler';
import { composeApiRead } from '../functions/platform/composition/api-read';
import { composeApiWrite } from '../functions/platform/composition/api-write';
import { composeAuthorizer } from '../functions/platform/composition/authorizer';
import { composeBackup } from '../functions/platform/composition/backup';
import { composeChain } from '../functions/platform/composition/chain';
import { composeDeliver } from '../functions/platform/composition/deliver';
import { composeDetect } from '../functions/platform/composition/detect';
import { composeRender } from '../functions/platform/composition/render';
import { type configNames, createRuntime, type Runtime } from '../functions/platform/composition/runtime';
import type { Config } from '../functions/platform/config';
import { makeHandler as makeRender } from '../functions/render/handler';

export interface LocalAws {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: Readonly<Partial<Record<AwsService, string>>>;
}

export type LocalFunctionName = keyof typeof configNames;

/** What CDK would set on the functions, as one object (each function reads only its own names). */
export type LocalConfig = Config<(typeof configNames)[LocalFunctionName][number]>;

/** The log group a function writes to on AWS; the local logs subscription uses the same names. */
export const logGroupOf = (functionName: LocalFunctionName) => `/aws/lambda/ledgerlock-${functionName}`;

export interface LocalFunctionOptions {
  /**
   * Each log line a function writes, as Lambda would ship it to the function's log group. Locally the stack
   * appends it to the function's log file and hands it to the logs subscription, which applies the same
   * subscription filters as AWS (the security-signal lines reach detect that way).
   * @default - stdout
   */
  readonly onLogLine?: (logGroup: string, line: string) => void;
  /** Where one function's clients go instead (the stack's test hooks put a fault proxy before one service). */
  readonly awsOf?: Partial<Record<LocalFunctionName, LocalAws>>;
}

/** One function instance's runtime, as Lambda would give it: its own clients and observability. */
export function localRuntime(
  functionName: LocalFunctionName,
  aws: LocalAws,
  options: LocalFunctionOptions = {},
): Runtime {
  const sink = options.onLogLine;
  return createRuntime(
    // Same service names and namespace as the CDK construct sets; X-Ray has no local stand-in.
    {
      serviceName: `ledgerlock-${functionName}`,
      metricsNamespace: 'Ledgerlock',
      ...(sink === undefined ? {} : { logSink: (line: string) => sink(logGroupOf(functionName), line) }),
    },
    { ...aws, s3ForcePathStyle: true },
  );
}

export function localFunctions(config: LocalConfig, aws: LocalAws, options: LocalFunctionOptions = {}) {
  const runtime = (name: LocalFunctionName) => localRuntime(name, options.awsOf?.[name] ?? aws, options);
  return {
    authorizer: makeAuthorizer(composeAuthorizer(config, runtime('authorizer'))),
    'api-read': makeApiRead(composeApiRead(config, runtime('api-read'))),
    'api-write': makeApiWrite(composeApiWrite(config, runtime('api-write'))),
    deliver: makeDeliver(composeDeliver(config, runtime('deliver'))),
    backup: makeBackup(composeBackup(config, runtime('backup'))),
    detect: makeDetect(composeDetect(config, runtime('detect'))),
    render: makeRender(composeRender(config, runtime('render'))),
    chain: makeChain(composeChain(config, runtime('chain'))),
  };
}
