// cdk: gateway problems — API Gateway's own error answers as problem+json, built from the shared table.
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { gatewayProblem, gatewayProblems } from '../functions/platform/gateway-responses';

/**
 * Adds to `restApi` one gateway response per response type of the shared table (construct ids
 * `Problem<ResponseType>`), each with the table's status, headers and body — the very answer the local gateway
 * gives with `gatewayProblem(key)`. Every response type is listed, so none falls back to API Gateway's default
 * `{"message": …}` body.
 */
export function addGatewayProblems(restApi: apigateway.RestApi): void {
  for (const { key, responseTypes } of gatewayProblems) {
    const answer = gatewayProblem(key);
    assertStaticTemplate(key, answer.body, answer.headers);
    for (const responseType of responseTypes) {
      restApi.addGatewayResponse(`Problem${responseType}`, {
        type: apigateway.ResponseType.of(responseType),
        statusCode: String(answer.status),
        // Header values of a gateway response are mapping expressions; a quoted one is a literal.
        responseHeaders: Object.fromEntries(
          Object.entries(answer.headers).map(([name, value]) => [name, `'${value}'`]),
        ),
        templates: { 'application/json': answer.body },
      });
    }
  }
}

/**
 * A gateway response template is Velocity: `$` and `#` would be evaluated (and could echo request data), `\` may
 * escape them. The bodies are fixed text, so refuse any of them — and a `'`, which would end a quoted header value.
 */
function assertStaticTemplate(key: string, body: string, headers: Readonly<Record<string, string>>): void {
  if (/[$#\\]/.test(body)) {
    throw new Error(
      `gateway problem ${key}: its body ${body} holds $, # or \\, which a Velocity template would evaluate; reword it in functions/platform/gateway-responses.ts`,
    );
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value.includes("'")) {
      throw new Error(
        `gateway problem ${key}: header ${name} value "${value}" holds a ', which would end its quoted mapping; drop it`,
      );
    }
  }
}
