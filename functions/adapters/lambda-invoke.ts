// adapter: one synchronous Lambda invoke with a JSON event and a JSON answer — what the adapters that ask the
// render function share (lambda-invoice-document-links.ts for api-read, lambda-invoice-renderer.ts for deliver).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export type InvokeOutcome =
  | { readonly kind: 'answered'; readonly answer: unknown }
  /** The function failed: Lambda's FunctionError and the error's type, never its message (it may quote the event). */
  | { readonly kind: 'failed'; readonly functionError: string; readonly errorType: string }
  | { readonly kind: 'not-json'; readonly cause: unknown };

export async function invokeForJson(
  client: LambdaClient,
  functionName: string,
  event: unknown,
): Promise<InvokeOutcome> {
  const result = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const payload = result.Payload === undefined ? '' : new TextDecoder().decode(result.Payload);
  if (result.FunctionError !== undefined) {
    const errorType = /"errorType"\s*:\s*"([A-Za-z0-9_.]+)"/.exec(payload)?.[1] ?? 'unknown';
    return { kind: 'failed', functionError: result.FunctionError, errorType };
  }
  try {
    return { kind: 'answered', answer: JSON.parse(payload) };
  } catch (cause) {
    return { kind: 'not-json', cause };
  }
}
