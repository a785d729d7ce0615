// platform: the IAM policy an authorizer returns. API Gateway caches it per token, so it must allow every
// route the token's scopes allow (and nothing else), not just the route of the first request.
import type { PolicyDocument } from 'aws-lambda';
import { type RouteDefinition, routes, type Scope } from './routes';

/** `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` → `arn:…:apiId/stage`. */
export function stageArnOf(methodArn: string): string {
  // The API id ends the ARN's resource part, so the first segment already holds it: `…:apiId/stage/…`.
  const [apiArn, stage] = methodArn.split('/');
  if (apiArn === undefined || stage === undefined || stage === '' || !apiArn.startsWith('arn:')) {
    throw new Error('unexpected methodArn');
  }
  return `${apiArn}/${stage}`;
}

export function routeArn(stageArn: string, route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${stageArn}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}

export function policyFor(methodArn: string, granted: readonly Scope[]): PolicyDocument {
  const stageArn = stageArnOf(methodArn);
  const allowed = routes
    .filter((route) => granted.includes(route.scope))
    .map((route) => routeArn(stageArn, route));
  if (allowed.length === 0) {
    return {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: methodArn }],
    };
  }
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allowed }],
  };
}
