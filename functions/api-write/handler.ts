// entry: api-write — every mutation; its role can write the table and seal, and compute blind indexes.
import { makeCustomerCommands } from '../application/customer-commands';
import { makeInvoiceCommands, numberingLane } from '../application/invoice-commands';
import { type MutationPlan, makeMutationRunner } from '../application/mutation-runner';
import type { CommandsOf, Reply } from '../application/request';
import { makeSellerProfileCommands } from '../application/seller-profile';
import type { SendLimits } from '../domain/delivery';
import { type IdKind, randomId } from '../platform/key-layout';
import { apiMiddleware } from '../platform/middleware';
import type { Observability } from '../platform/observability';
import { makeRouter, respond, toProxyResult } from '../platform/router';
import type { CustomerRepository } from '../ports/customer-repository';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { Ledger } from '../ports/ledger';
import type { SecuritySignals } from '../ports/security-signals';
import type { SellerProfiles } from '../ports/seller-profiles';

export interface ApiWriteDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly sellers: SellerProfiles;
  readonly ledger: Ledger;
  readonly idempotency: IdempotencyStore;
  readonly signals: SecuritySignals;
  readonly observability: Observability;
  /** @default the clock */
  readonly now?: () => Date;
  /** @default random ids (platform/key-layout.ts) */
  readonly newId?: (kind: IdKind) => string;
  /** Waits between commit retries. @default node's timer */
  readonly pause?: (milliseconds: number) => Promise<void>;
  /** Caps on requested emails. @default defaultSendLimits (domain/delivery.ts) */
  readonly sendLimits?: SendLimits;
}

export function makeHandler(dependencies: ApiWriteDependencies) {
  const newId = dependencies.newId ?? randomId;
  const commands = {
    ...makeInvoiceCommands({ ...dependencies, newId }),
    ...makeCustomerCommands({ customers: dependencies.customers, newId }),
    ...makeSellerProfileCommands(dependencies),
  } satisfies CommandsOf<'api-write'>;
  const run = makeMutationRunner({
    ledger: dependencies.ledger,
    idempotency: dependencies.idempotency,
    now: dependencies.now ?? (() => new Date()),
    ...(dependencies.pause === undefined ? {} : { pause: dependencies.pause }),
  });
  const route = makeRouter('api-write');
  return apiMiddleware(dependencies.observability, dependencies.signals, async (event) => {
    const { route: definition, caller, request, idempotency } = route(event);
    // The map is typed per operation above; here one lookup serves them all.
    const command = commands[definition.operationId] as (
      input: unknown,
      now: Date,
    ) => Promise<MutationPlan<Reply>>;
    const lane = numberingLane(
      definition.operationId,
      caller.tenantId,
      request.body as { series?: unknown } | undefined,
    );
    const { response, replayed } = await run(caller, (now) => command({ ...request, caller }, now), {
      ...(idempotency === undefined ? {} : { idempotency }),
      ...(lane === undefined ? {} : { lane }),
      render: (reply) => respond(definition, reply),
    });
    return toProxyResult(response, replayed ? { 'idempotent-replayed': 'true' } : {});
  });
}
