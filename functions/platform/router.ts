// platform: dispatches an API Gateway proxy event to the operation the route table names, after the
// route's scope check, so scopes are enforced from the one table in the handler as well as the authorizer.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from './errors';
import { type Caller, callerOf, requireScope } from './http';
import { type ApiFunctionName, type RouteDefinition, routeKey, routes } from './routes';

export type Operation = (event: APIGatewayProxyEvent, caller: Caller) => Promise<APIGatewayProxyResult>;

export function makeRouter(functionName: ApiFunctionName, operations: Readonly<Record<string, Operation>>) {
  const owned = routes.filter((route) => route.functionName === functionName);
  const missing = owned.filter((route) => operations[route.operationId] === undefined);
  if (missing.length > 0) {
    throw new Error(`${functionName} has no operation for ${missing.map((r) => r.operationId).join(', ')}`);
  }
  const byKey = new Map<string, RouteDefinition>(owned.map((route) => [routeKey(route), route]));

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const route = byKey.get(
      routeKey({ method: event.httpMethod as RouteDefinition['method'], path: event.resource }),
    );
    const operation = route === undefined ? undefined : operations[route.operationId];
    if (route === undefined || operation === undefined) throw new NotFoundError('no such route');
    const caller = callerOf(event);
    requireScope(caller, route.scope);
    return operation(event, caller);
  };
}
