// local: the /_local/ routes a stack started with test hooks serves — deterministic SES faults and outages, the
// metering and KMS counters, and detect's seed and flush — for the tests and benchmarks, never on AWS.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDetectorStore } from '../functions/adapters/dynamodb-detector-store';
import { learnedCounter, minuteOf } from '../functions/domain/detection/baseline';
import { emptyRuleState } from '../functions/domain/detection/evaluate';
import type { RuleId } from '../functions/domain/detection/rules';
import type { Subject } from '../functions/domain/detection/subjects';
import type { RunningKms } from './emulators/kms';
import type { FaultProxy } from './fault-proxy';
import type { localFunctions } from './functions';
import { localLambdaContext } from './lambda-context';
import type { LogsSubscription } from './logs-subscription';
import type { Metering } from './metering';
import { localNames } from './provision-stack';
import type { TokenBucket } from './token-bucket';

export interface TestHookParts {
  readonly stageBucket: TokenBucket;
  readonly sesFaults: FaultProxy;
  readonly authorizerDynamoDbFaults: FaultProxy | undefined;
  readonly metering: Metering | undefined;
  readonly kms: RunningKms;
  readonly logs: LogsSubscription | undefined;
  readonly detect: ReturnType<typeof localFunctions>['detect'];
  readonly documents: DynamoDBDocumentClient;
  readonly region: string;
}

export function testHookRoutes({
  stageBucket,
  sesFaults,
  authorizerDynamoDbFaults,
  metering,
  kms,
  logs,
  detect,
  documents,
  region,
}: TestHookParts) {
  return {
    /** The same, between the authorizer and DynamoDB: the authorizer failing rather than refusing. */
    'POST /_local/faults/authorizer-dynamodb': (body: string) =>
      authorizerDynamoDbFaults?.handleControl(body) ?? Promise.resolve({ ok: false }),
    /** Deterministic faults of the mail service: `{ "action": "inject", "kind": "refuse", "count": 2, … }`. */
    'POST /_local/faults/ses': (body: string) => sesFaults.handleControl(body),
    /** Refuses every send for a while (a second call extends it); the mail view stays reachable. */
    'POST /_local/ses/outage': async (body: string) => {
      const milliseconds = Math.min(
        Math.max(Number(JSON.parse(body || '{}').milliseconds ?? 3000), 0),
        120_000,
      );
      return {
        outage: sesFaults.outage({ match: { path: '/v2/' }, durationMs: milliseconds }),
        milliseconds,
      };
    },
    /** `{ "count": n }`: the stage throttles the next n requests (429), whatever its bucket holds; answers its limits. */
    'POST /_local/gateway/throttle': async (body: string) => {
      const count = Math.min(Math.max(Math.trunc(Number(JSON.parse(body || '{}').count ?? 1)), 0), 10_000);
      stageBucket.throttleNext(count);
      return { throttling: stageBucket.limits, count };
    },
    /** What the handlers asked of each service and how long each invocation took, since start or reset. */
    'GET /_local/metering': async () => metering?.snapshot(),
    /** `{ "exactTransactions": true }` prices transactions from their items (two extra reads each; npm run cost). */
    'POST /_local/metering/reset': async (body: string) => {
      const exactTransactions = JSON.parse(body || '{}').exactTransactions === true;
      metering?.reset({ exactTransactions });
      return { reset: true, exactTransactions };
    },
    'GET /_local/kms/stats': async () => kms.stats(),
    'POST /_local/kms/stats/reset': async () => {
      kms.resetStats();
      return { reset: true };
    },
    /**
     * Plants a learned history for a rule and subject — `{ "rule", "subject", "mean", "deviation", "peak" }` per
     * minute — as weeks of traffic would have taught the detector; tests cannot wait weeks. Learning itself is
     * tested in the fast tier on a simulated clock.
     */
    'POST /_local/detect/seed': async (body: string) => {
      const seed = JSON.parse(body || '{}') as {
        rule: RuleId;
        subject: Subject;
        mean: number;
        deviation: number;
        peak: number;
      };
      const store = new DynamoDbDetectorStore({ tableName: localNames.table, client: documents });
      const counter = learnedCounter({
        ...seed,
        activeMinutes: 10_000,
        throughMinute: minuteOf(Date.now()) - 1,
      });
      const current = await store.load(seed.rule, seed.subject);
      await store.save(seed.rule, seed.subject, { ...emptyRuleState, counter }, current?.version ?? null);
      return { seeded: seed.rule, subject: seed.subject };
    },
    /** Hands detect everything the logs subscription holds, and resolves quiet alerts now (no waiting). */
    'POST /_local/detect/flush': async () => {
      await logs?.flush();
      await detect(
        { tick: true },
        localLambdaContext({
          functionName: 'detect',
          requestId: crypto.randomUUID(),
          region,
          timeoutMs: 30_000,
        }),
      );
      return { flushed: true };
    },
  };
}
