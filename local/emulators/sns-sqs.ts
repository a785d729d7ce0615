// local: SNS + SQS emulator — fauxqs in this process, both services on one endpoint, in memory
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import {
  EmulatorStartError,
  emulatorClientConfig,
  localAwsIdentity,
  type RunningEmulator,
  waitUntilAnswering,
} from './emulator';

export interface SnsSqsOptions {
  /** 0 picks a free port. */
  port: number;
  /** Log every request (fastify's logger). @default false */
  logRequests?: boolean;
  /** @default 10000 */
  readyTimeoutMs?: number;
}

/*
 * Quirks of fauxqs 2.4.1 (checked by test/integration/emulators.test.ts):
 * - SNS (query protocol) and SQS (JSON protocol) share the endpoint; fauxqs routes by content type.
 *   It also speaks S3, which we do not use (moto is the S3 stand-in).
 * - Queue URLs look like AWS ones: http://sqs.<region>.localhost:<port>/000000000000/<queue>. That host
 *   does not resolve everywhere, so SQS clients must set `endpoint` explicitly (ours always do): with an
 *   explicit endpoint the SDK sends there instead of to the queue URL's host (useQueueUrlAsEndpoint).
 * - The region in ARNs and queue URLs is taken from each request's SigV4 credential scope; the same queue
 *   name in two regions is two queues. Unsigned requests fall back to eu-central-1 (set below).
 *   ARNs use account 000000000000: arn:aws:sqs:eu-central-1:000000000000:<queue>, arn:aws:sns:…:<topic>.
 * - Any credentials are accepted. State is in memory only and gone after stop().
 * We use buildApp rather than startFauxqs because startFauxqs always listens on 0.0.0.0.
 */

export async function startSnsSqs(options: SnsSqsOptions): Promise<RunningEmulator> {
  const app = buildApp({ logger: options.logRequests === true, defaultRegion: localAwsIdentity.region });
  let listenAddress: string;
  try {
    listenAddress = await app.listen({ port: options.port, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    throw new EmulatorStartError(
      `fauxqs (SNS + SQS) could not listen on 127.0.0.1:${options.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const endpoint = `http://127.0.0.1:${new URL(listenAddress).port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    // fauxqs builds fastify with forceCloseConnections, so close() does not wait on keep-alive sockets.
    await app.close();
  };

  const sns = new SNSClient(emulatorClientConfig(endpoint));
  const sqs = new SQSClient(emulatorClientConfig(endpoint));
  try {
    await waitUntilAnswering({
      emulatorName: 'fauxqs (SNS + SQS)',
      endpoint,
      timeoutMs: options.readyTimeoutMs ?? 10_000,
      probe: () => Promise.all([sns.send(new ListTopicsCommand({})), sqs.send(new ListQueuesCommand({}))]),
      describeLog: () => 'in this process (pass logRequests: true to print its requests)',
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    sns.destroy();
    sqs.destroy();
  }
  return { endpoint, stop };
}
