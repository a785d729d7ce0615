// application: who is asking and what a use case answers — the shapes every use case shares.
import type {
  ApiFunctionName,
  OperationId,
  OperationIdOf,
  OperationRequest,
  Scope,
} from '../platform/routes';
import type { MutationPlan } from './mutation-runner';

/** The authenticated caller, exactly as the authorizer established it. */
export interface Caller {
  readonly tenantId: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  readonly sourceIp: string;
  readonly requestId: string;
}

/** A use case's input: the parsed request of its route and its caller. */
export type UseCaseRequest<Id extends OperationId> = OperationRequest<Id> & { readonly caller: Caller };

/** What to answer with the route's success status: a JSON body (none for 204 and redirects), and a Location. */
export type Reply = { readonly body?: unknown; readonly location?: string };

/** A write use case: plans against the state it reads, at `now`; the mutation runner commits the plan. */
export type Command<Id extends OperationId> = (
  request: UseCaseRequest<Id>,
  now: Date,
) => Promise<MutationPlan<Reply>>;

/** A read use case. */
export type Query<Id extends OperationId> = (request: UseCaseRequest<Id>) => Promise<Reply>;

/** Exactly one use case per route a function serves: a route without one, or one too many, fails to compile. */
export type QueriesOf<Function extends ApiFunctionName> = {
  readonly [Id in OperationIdOf<Function>]: Query<Id>;
};
export type CommandsOf<Function extends ApiFunctionName> = {
  readonly [Id in OperationIdOf<Function>]: Command<Id>;
};
